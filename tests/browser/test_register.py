"""The decision register in a real browser, as `lscb`, with JavaScript and without.

Filter by agency and by a state flag, search a rationale word, page with the keyset links, open a
decision; a bad date shows the GOV.UK error. axe-core runs on the filtered register and on the
decision (with JavaScript); conftest fails the test on any console error.
"""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from isg.accounts.models import User
from isg.decisions.models import Decision
from tests.factories import make_agency, make_decision, make_manager, make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed() -> dict[str, Decision]:
    north, south = make_agency(name="North agency", slug="north"), make_agency(name="South agency", slug="south")
    pat, pat2 = make_user(username="pat", agency=north), make_user(username="pat2", agency=south)
    make_manager(username="manager", agency=north, reports=[pat])
    make_user(username="lscb", first_name="Laura", last_name="Simmons", role=User.Role.PARTNERSHIP, agency=None)
    decisions = {
        "refused": make_decision(pat, "outcome_share_limited", submit=True, case_reference="NORTH-REFUSED",
                                 text="Mother refused after the harbour meeting"),
        "consent": make_decision(pat, "outcome_share_with_consent", submit=True, case_reference="NORTH-CONSENT"),
        "south": make_decision(pat2, "outcome_share_without_consent", submit=True, case_reference="SOUTH-SERIOUS"),
        "draft": make_decision(pat, "outcome_share_with_consent", case_reference="NORTH-DRAFT", upto=3),
    }
    # 30 older submitted decisions (clones of a real one) so that there is a second page.
    template = Decision.objects.get(pk=decisions["consent"].pk)
    clones = []
    for n in range(30):
        clone = Decision.objects.get(pk=template.pk)
        clone.pk, clone.public_id, clone.start_token = None, uuid.uuid4(), None
        clone.case_reference = f"OLDER-{n:02d}"
        clone.submitted_at = timezone.now() - datetime.timedelta(days=30 + n)
        clones.append(clone)
    Decision.objects.bulk_create(clones)
    return decisions


def open_register(browser, live_server, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, "lscb")
    expect(page.locator("h1")).to_have_text("Decision register")  # the LSCB's start page
    return page


def apply(page: Page) -> None:
    page.get_by_role("button", name="Apply filters").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lscb_filters_the_register_and_opens_a_decision(browser, live_server, console_errors, javascript):
    decisions = seed()
    page = open_register(browser, live_server, javascript)
    expect(page.locator("#register-count")).to_have_text("33 decisions match")
    expect(page.locator("#register-table")).not_to_contain_text("NORTH-DRAFT")
    if javascript:
        assert_accessible(page)
        page.evaluate("window.__stillSamePage = true")

    # Keyset pages: next, then back to the first page.
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#register-count")).to_contain_text("a later page")
    expect(page.locator("#register-table tbody tr")).to_have_count(8)
    page.get_by_role("link", name="First page").click()
    expect(page.locator("#register-table tbody tr")).to_have_count(25)

    # Agency, then a state flag: each narrows the list, and the address carries the filters.
    page.get_by_label("North agency", exact=True).check()
    apply(page)
    expect(page.locator("#register-count")).to_have_text("32 decisions match")
    expect(page).to_have_url(re.compile(r"agency=north"))
    page.locator("#flag-groups summary", has_text="Consent status").click()
    page.get_by_label("When they were asked about this sharing, what was their answer? They refused").check()
    apply(page)
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    expect(page.locator("#register-table")).to_contain_text("NORTH-REFUSED")
    expect(page).to_have_url(re.compile(r"flag=consent_status%3Arefused"))
    page.screenshot(path=f"/tmp/register-filtered-{'js' if javascript else 'nojs'}.png", full_page=True)
    if javascript:
        expect(page.locator("#register-status")).to_have_text("1 decision matches")  # the live region spoke
        assert page.evaluate("window.__stillSamePage === true")  # swapped in place, no reload
        assert_accessible(page)

    # A search for a word of a rationale, with the other filters cleared.
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#register-count")).to_have_text("33 decisions match")
    page.get_by_label("Search case references, summaries and reasons").fill("harbour")
    apply(page)
    expect(page.locator("#register-count")).to_have_text("1 decision matches")

    # A date that does not exist: the GOV.UK error, and no list.
    page.get_by_label("Search case references, summaries and reasons").fill("")
    page.locator("#submitted-dates summary").click()  # the date boxes are folded until wanted
    page.locator("#from-day").fill("31")
    page.locator("#from-month").fill("2")
    page.locator("#from-year").fill("2026")
    apply(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Submitted from date must be a real date")
    expect(page.locator("#register-table")).to_have_count(0)
    if javascript:
        expect(page.locator(".govuk-error-summary")).to_be_focused()
        assert_accessible(page)
    page.locator("#from-day").fill("1")
    apply(page)
    expect(page.locator("#register-count")).to_have_text(re.compile(r"^\d+ decisions? match"))

    # Open a decision from the register: the LSCB reads it.
    page.get_by_role("link", name="Clear filters").click()
    # The cleared list first: with JavaScript it is swapped in, and a click on the old one would be lost.
    # Its count alone cannot tell (the dated list may have matched all 33): the cleared form has no date.
    expect(page.locator("#from-day")).to_have_value("")
    expect(page).not_to_have_url(re.compile(r"from-day"))
    expect(page.locator("#register-count")).to_have_text("33 decisions match")
    page.get_by_role("link", name="SOUTH-SERIOUS").click()
    # The link carries the register's filter for the way back (?back=...), if any.
    expect(page).to_have_url(re.compile(rf"/decisions/{decisions['south'].public_id}/outcome/(\?back=[^#]*)?$"))
    expect(page.locator("main")).to_contain_text("SOUTH-SERIOUS")
    if javascript:
        assert_accessible(page)
    page.screenshot(path=f"/tmp/register-decision-{'js' if javascript else 'nojs'}.png", full_page=True)


# -- an audit question (issue 15) ----------------------------------------------------------------


def seed_audit() -> dict[str, Decision]:
    """Shares without consent by three agencies; two of them decided late last quarter by North's
    and South's approvers, and others that each miss one part of the question."""
    from isg.approvals.models import Approval
    from isg.register.filters import period_dates, uk_today

    agencies = {slug: make_agency(name=f"{slug.capitalize()} agency", slug=slug) for slug in ("north", "south", "east")}
    people = {slug: make_user(username=f"pat-{slug}", agency=agency) for slug, agency in agencies.items()}
    for slug, person in people.items():
        make_manager(username=f"manager-{slug}", agency=agencies[slug], reports=[person])
    make_user(username="lscb", first_name="Laura", last_name="Simmons", role=User.Role.PARTNERSHIP, agency=None)
    start, end = period_dates("last_quarter", uk_today())
    middle = timezone.make_aware(datetime.datetime.combine(start + (end - start) / 2, datetime.time(10)))
    made = {}
    for name, slug, outcome, when, late in (
        ("NORTH-LATE", "north", "outcome_share_without_consent", middle, True),
        ("SOUTH-LATE", "south", "outcome_share_without_consent", middle + datetime.timedelta(days=3), True),
        ("EAST-LATE", "east", "outcome_share_without_consent", middle, True),  # another agency
        ("NORTH-ON-TIME", "north", "outcome_share_without_consent", middle, False),  # decided in time
        ("NORTH-EARLIER", "north", "outcome_share_without_consent", middle - datetime.timedelta(days=120), True),
        ("NORTH-CONSENT", "north", "outcome_share_with_consent", middle, False),  # another outcome
    ):
        decision = make_decision(people[slug], outcome, submit=True, case_reference=name)
        Decision.objects.filter(pk=decision.pk).update(submitted_at=when)
        if Approval.objects.filter(decision=decision).exists():
            Decision.objects.filter(pk=decision.pk).update(status=Decision.Status.APPROVED)
            Approval.objects.filter(decision=decision).update(
                requested_at=when, due_at=when + datetime.timedelta(hours=7),
                decided_at=when + datetime.timedelta(hours=30 if late else 2))
        made[name] = decision
    return made


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lscb_asks_an_audit_question_opens_a_decision_and_comes_back_to_the_same_list(
        browser, live_server, console_errors, javascript):
    made = seed_audit()
    page = open_register(browser, live_server, javascript)
    expect(page.locator("#register-count")).to_have_text("6 decisions match")

    page.get_by_label("North agency", exact=True).check()
    page.get_by_label("South agency", exact=True).check()
    page.get_by_label("Submitted in", exact=True).select_option(label="Last quarter")
    page.get_by_label("Outcome", exact=True).select_option(label="Share without consent")
    page.get_by_label("Approved or reviewed late (decided after it was due)").check()
    apply(page)
    expect(page.locator("#register-count")).to_have_text("2 decisions match")
    rows = page.locator("#register-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("SOUTH-LATE")
    expect(rows.nth(1)).to_contain_text("NORTH-LATE")
    expect(rows.nth(1)).to_contain_text("Decided late")
    expect(rows.nth(1)).to_contain_text("1 day 6 hours after it was asked for")
    expect(page.locator("#register-results")).to_contain_text("Submitted in last quarter")
    filtered = page.url
    for part in ("agency=north", "agency=south", "period=last_quarter", "late=yes"):
        assert part in filtered
    if javascript:
        assert_accessible(page)

    page.get_by_role("link", name="NORTH-LATE").click()
    expect(page).to_have_url(re.compile(rf"/decisions/{made['NORTH-LATE'].public_id}/outcome/\?back="))
    page.get_by_role("link", name="Back to the register").first.click()
    expect(page).to_have_url(filtered)
    expect(page.locator("#register-count")).to_have_text("2 decisions match")
    expect(page.get_by_label("North agency", exact=True)).to_be_checked()
    expect(page.get_by_label("South agency", exact=True)).to_be_checked()
    expect(page.get_by_label("East agency", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Submitted in", exact=True)).to_have_value("last_quarter")
    page.screenshot(path=f"/tmp/register-audit-{'js' if javascript else 'nojs'}.png", full_page=True)

    # An impossible approval date range: a clear error, no list, the ticks kept.
    page.locator("#approved-dates summary").click()
    page.locator("#approved-from-day").fill("2")
    page.locator("#approved-from-month").fill("2")
    page.locator("#approved-from-year").fill("2026")
    page.locator("#approved-to-day").fill("1")
    page.locator("#approved-to-month").fill("2")
    page.locator("#approved-to-year").fill("2026")
    apply(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Approver decided to date must be the same as or after the approver decided from date")
    expect(page.locator("#register-table")).to_have_count(0)
    expect(page.get_by_label("North agency", exact=True)).to_be_checked()
    if javascript:
        assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_register_and_its_filters_fit_a_375_pixel_screen(browser, live_server, console_errors, javascript):
    seed_audit()
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 375, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url, "lscb")
    page.goto(f"{live_server.url}/register/?agency=north&agency=south&late=yes")
    expect(page.locator("#register-count")).to_have_text("3 decisions match")
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Each row is a block of labelled lines, the filter above the list.
    cell = page.locator("#register-table tbody tr").first.locator("td").nth(1)
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"
    filter_box = page.locator("#register-body form").first.bounding_box()
    table_box = page.locator("#register-table").bounding_box()
    assert filter_box["y"] + filter_box["height"] <= table_box["y"]
    assert table_box["x"] + table_box["width"] <= 375
    # A link past the long filter to the list.
    page.get_by_role("link", name="Skip the filter to the decisions").click()
    expect(page).to_have_url(re.compile(r"#register-results$"))
    expect(page.locator("#register-count")).to_be_in_viewport()
    page.screenshot(path=f"/tmp/register-375-{'js' if javascript else 'nojs'}.png", full_page=True)
    if javascript:
        assert_accessible(page)
