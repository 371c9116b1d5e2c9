"""A practitioner walks to an outcome in headless Chromium, with JavaScript and without."""

import re

import pytest
from playwright.sync_api import expect

from tests.engine.walks import WALKS

from .conftest import assert_accessible, sign_in
from .walking import answer, guidance, record, start, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOUR_OUTCOMES = {
    "outcome_do_not_share": "Do not share",
    "outcome_share_no_consent_needed": "consent is not needed",
    "outcome_share_with_consent": "with consent",
    "outcome_share_without_consent": "without consent",
}


def walk_to(page, base_url, outcome_id):
    direction = WALKS[outcome_id][0].split(":")[1]
    start(page, base_url, direction)
    walk(page, list(WALKS[outcome_id][1:]))
    record(page)
    expect(guidance(page)).to_contain_text(FOUR_OUTCOMES[outcome_id], ignore_case=True)


def test_walks_to_four_outcomes_with_javascript_without_reloading(signed_in_page, live_server, console_errors):
    page = signed_in_page
    for outcome_id in FOUR_OUTCOMES:
        direction = WALKS[outcome_id][0].split(":")[1]
        start(page, live_server.url, direction)
        page.evaluate("window.__stillSamePage = true")
        pairs = list(WALKS[outcome_id][1:])
        walk(page, pairs[:-1])
        # htmx swapped every question in: the page the walk started on never reloaded.
        assert page.evaluate("window.__stillSamePage === true")
        walk(page, pairs[-1:])
        record(page)
        expect(guidance(page)).to_contain_text(FOUR_OUTCOMES[outcome_id], ignore_case=True)
    assert console_errors == []


def test_walks_to_four_outcomes_without_javascript(no_js_page, live_server):
    for outcome_id in FOUR_OUTCOMES:
        walk_to(no_js_page, live_server.url, outcome_id)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_back_and_change_links_rewalk_the_decision(browser, live_server, browser_user, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, browser_user.username)
    start(page, live_server.url, "asked_to_share")
    walk(page, ["requester_verified:yes", "emergency_check:no", "purpose:yes"])
    page.get_by_role("link", name="Back", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steps/3/purpose/$"))
    expect(page.locator('input[name="answer"][value="yes"]')).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/steps/4/statutory_duty/$"))
    walk(page, list(WALKS["outcome_share_no_consent_needed"][4:]))
    page.get_by_role("link", name=re.compile(r"Change\s+your answer to: Does the law require you")).click()
    expect(page).to_have_url(re.compile(r"/steps/4/statutory_duty/\?return=check$"))
    answer(page, "statutory_duty", "no_or_power_only")
    expect(page).to_have_url(re.compile(r"/steps/5/identifiable/$"))
    answer(page, "identifiable", "no")
    expect(page).to_have_url(re.compile(r"/steps/6/minimum_necessary/$"))
    context.close()


def test_the_urgent_button_says_who_to_contact_and_the_record_continues(signed_in_page, live_server):
    page = signed_in_page
    start(page, live_server.url, "want_to_share")
    walk(page, ["emergency_check:no"])
    page.get_by_role("button", name="Urgent: someone is in danger now").click()
    expect(page.locator("h2", has_text="Who to contact now")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Complete the record").click()
    # Who it is about is not known yet: the button asks that first, then goes straight to what to share.
    expect(page).to_have_url(re.compile(r"/consent_from_whom/$"))
    walk(page, ["consent_from_whom:child_under_16", "minimum_necessary:all_relevant", "recipient_check:yes_social_care",
                "secure_method:phone_then_written", "inform_person:will_inform"])
    record(page)
    expect(guidance(page)).to_contain_text("someone is in danger")
    expect(page.locator("h1")).to_have_text("Share now: your approver reviews it today")


def test_every_page_type_of_the_walk_passes_axe(signed_in_page, live_server, page):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    from tests.browser.conftest import sign_in as do_sign_in

    do_sign_in(page, live_server.url, "browser")
    assert_accessible(page)  # my decisions
    page.goto(f"{live_server.url}/decisions/new/")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)  # a question with errors
    start(page, live_server.url, "asked_to_share")
    assert_accessible(page)  # a question
    walk(page, ["requester_verified:yes", "emergency_check:no", "purpose:no"])
    assert_accessible(page)  # check answers
    record(page)
    assert_accessible(page)  # outcome
    page.goto(f"{live_server.url}/decisions/")
    expect(page.get_by_role("link", name="BROWSER-1")).to_be_visible()
    assert_accessible(page)


def test_a_failed_htmx_request_falls_back_to_the_full_page_and_its_message(signed_in_page, live_server, console_errors):
    page = signed_in_page
    # The refused request is the point of this test: the browser logs it, and only it.
    console_errors.allow(r"Failed to load resource: the server responded with a status of 403")
    console_errors.allow(r"^Response Status Error Code 403 from /decisions/")  # htmx logs the refusal too
    start(page, live_server.url, "want_to_share")
    page.context.clear_cookies(name="csrftoken")
    page.locator('input[name="answer"][value="no"]').check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Your page had expired")
