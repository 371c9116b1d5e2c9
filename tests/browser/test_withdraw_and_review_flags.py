"""In a real browser, with JavaScript and without: the owner withdraws a decision submitted in error
(issue 14), and a partnership officer flags a decision for review and clears the flag (issue 15).
axe-core runs on each new page type (with JavaScript); conftest fails a test on any console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from isg.accounts.models import User
from isg.decisions.models import Decision
from tests.approvals.conftest import make_people, submitted
from tests.factories import make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(browser, live_server, username: str, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, username)
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_owner_withdraws_a_decision_waiting_for_approval(browser, live_server, javascript, console_errors):
    console_errors.allow(r"status of 400 \(Bad Request\) \(http://[^/]+/approvals/[0-9a-f-]+/withdraw/")  # the form's errors
    people = make_people()
    decision = submitted(people.practitioner)
    page = as_user(browser, live_server, "pat", javascript)
    page.goto(f"{live_server.url}/decisions/{decision.public_id}/outcome/")
    page.get_by_role("link", name="Withdraw this decision").click()
    expect(page.locator("h1")).to_have_text("Withdraw this decision")
    expect(page.locator(".govuk-warning-text")).to_contain_text("You cannot undo this")
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Withdraw this decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are withdrawing this decision")
    expect(page).to_have_title(re.compile("^Error: "))
    if javascript:
        assert_accessible(page)
    page.get_by_label("Why are you withdrawing it?").fill("Recorded against the wrong case reference")
    page.get_by_role("button", name="Withdraw this decision").click()
    expect(page.locator("#status-panel h1")).to_have_text("Withdrawn: submitted in error")
    expect(page.locator("#status-panel")).to_contain_text("Recorded against the wrong case reference")
    expect(page.get_by_role("link", name="Withdraw this decision")).to_have_count(0)
    if javascript:
        assert_accessible(page)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.WITHDRAWN
    page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_partnership_flags_a_decision_for_review_and_clears_it(browser, live_server, javascript, console_errors):
    console_errors.allow(r"status of 400 \(Bad Request\) \(http://[^/]+/reviews/[0-9a-f-]+/flag/")  # the form's errors
    people = make_people()
    decision = submitted(people.practitioner)
    make_user(username="lscb", first_name="Lee", last_name="Scott", role=User.Role.PARTNERSHIP, agency=None)
    page = as_user(browser, live_server, "lscb", javascript)
    page.goto(f"{live_server.url}/register/")
    page.get_by_role("link", name=decision.case_reference).click()
    page.get_by_role("link", name="Flag this decision for review").click()
    expect(page.locator("h1")).to_have_text("Flag this decision for review")
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Flag for review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what the flag is for")
    if javascript:
        assert_accessible(page)
    page.get_by_label("Learning review").check()
    page.get_by_label("Why are you flagging it?").fill("A good example of recording consent for the training day")
    page.get_by_role("button", name="Flag for review").click()
    flags = page.locator("#review-flags")
    expect(flags).to_contain_text("Flagged: Learning review")
    expect(page.get_by_role("link", name="Back to the register")).to_have_attribute("href", "/register/")

    page.get_by_role("link", name="Clear a flag").click()
    expect(page.locator("h1")).to_have_text("Clear a flag for review")
    if javascript:
        assert_accessible(page)
    page.get_by_label("What did the review find?").fill("Used at the training day")
    page.get_by_role("button", name="Clear the flag").click()
    expect(page.locator("#review-flags")).to_contain_text("Cleared: Learning review")
    expect(page.locator("#review-flags")).to_contain_text("Used at the training day")
    page.context.close()
