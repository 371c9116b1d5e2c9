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
    page.get_by_label("Agency").select_option(label="North agency")
    apply(page)
    expect(page.locator("#register-count")).to_have_text("32 decisions match")
    expect(page).to_have_url(re.compile(r"agency=north"))
    page.get_by_label("Answer recorded in the decision").select_option(label="Consent status: refused")
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
    page.get_by_role("link", name="SOUTH-SERIOUS").click()
    # The link carries the register's filter for the way back (?back=...), if any.
    expect(page).to_have_url(re.compile(rf"/decisions/{decisions['south'].public_id}/outcome/(\?back=[^#]*)?$"))
    expect(page.locator("main")).to_contain_text("SOUTH-SERIOUS")
    if javascript:
        assert_accessible(page)
    page.screenshot(path=f"/tmp/register-decision-{'js' if javascript else 'nojs'}.png", full_page=True)
