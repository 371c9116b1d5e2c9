"""The walk in a real browser (first written for flowchart 1.1, walked under 1.2): the legal routes end where section 7 says, with the reminder;
the tab title follows htmx swaps; conditional reveals; starting once; the urgent route. Every test
here (and in this folder) also fails on any console error, CSP violations included (conftest)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, sign_in
from .walking import answer, guidance, record, start, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUFFIX = " – Information Sharing Guide"
TO_SUBJECT = ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes"]
TO_INFORM = ["requester_verified:yes", "emergency_check:no", "purpose:yes", "statutory_duty:yes_duty",
             "duty_basis:court_order", "consent_from_whom:adult_18_plus", "minimum_necessary:all_relevant",
             "recipient_check:yes_other", "secure_method:secure_email"]
SHOTS = "/tmp/isg-walk-routes"


@pytest.fixture
def page_with(browser, live_server, browser_user):
    """A signed-in page in a fresh context, with or without JavaScript."""
    contexts = []

    def make(javascript: bool):
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server.url, browser_user.username)
        return page

    yield make
    for context in contexts:
        context.close()


def test_an_unborn_baby_whose_mother_is_under_16_takes_the_childs_route_to_sharing_with_the_reminder(signed_in_page, live_server):
    page = signed_in_page
    start(page, live_server.url, "want_to_share")
    walk(page, [*TO_SUBJECT, "consent_from_whom:unborn_baby"])
    expect(page.locator("h1")).to_have_text("How old is the mother?")
    assert page.title() == "How old is the mother?" + SUFFIX
    page.screenshot(path=f"{SHOTS}/f5-mother-age.png", full_page=True)
    walk(page, ["mother_age:under_16", "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes"])
    expect(page).to_have_url(re.compile(r"/child_competence/$"))
    walk(page, ["child_competence:competent"])
    expect(page).to_have_url(re.compile(r"/fraser_check/$"))
    expect(page.locator('input[name="answer"][value="no"]')).to_have_count(0)
    walk(page, ["fraser_check:yes", "sexual_activity_flags:under_13", "minimum_necessary:all_relevant",
                "recipient_check:yes_social_care", "secure_method:secure_email", "inform_person:will_inform"])
    expect(page).to_have_url(re.compile(r"/check/$"))
    record(page)
    # A girl under 13 referred to children's social care: shared at once, reviewed after (flowchart 1.2).
    expect(page.locator("h1")).to_have_text("Share now: your approver reviews it today")
    expect(guidance(page)).to_contain_text("Share without consent")
    expect(page.locator("#safeguarding-reminder")).to_be_visible()
    expect(page.locator("#safeguarding-reminder")).to_contain_text("does not replace a referral")
    expect(page.locator("#after-sharing")).to_be_visible()
    expect(page.locator(".govuk-summary-list__row", has_text="How old is the mother?")).to_contain_text("Under 16")
    page.screenshot(path=f"{SHOTS}/f5-outcome.png", full_page=True)
    assert_accessible(page)


def test_the_tab_title_follows_each_htmx_swap_and_keeps_the_error_prefix(signed_in_page, live_server):
    page = signed_in_page
    page.goto(f"{live_server.url}/decisions/new/")
    page.evaluate("window.__stillSamePage = true")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title("Error: What is happening?" + SUFFIX)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what is happening: “")
    page.get_by_label("Case reference").fill("TITLE-1")
    page.locator('input[name="answer"][value="want_to_share"]').check()
    page.locator("#id_summary").fill("A concern")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/steps/1/emergency_check/$"))
    heading = page.locator("h1").inner_text()
    expect(page).to_have_title(heading + SUFFIX)
    answer(page, "emergency_check", "no")
    expect(page).to_have_url(re.compile(r"/steps/2/purpose/$"))
    expect(page).to_have_title(page.locator("h1").inner_text() + SUFFIX)
    assert page.title() != heading + SUFFIX
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    # Every change came by htmx (no reload), and no <title> ever landed in the page body.
    assert page.evaluate("window.__stillSamePage === true")
    assert page.locator("body title").count() == 0
    # htmx's own indicator <style> is switched off: the strict CSP has nothing to refuse.
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("style").count() == 0


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_inform_person_reveals_each_answers_own_details(page_with, live_server, javascript):
    page = page_with(javascript)
    start(page, live_server.url, "asked_to_share")
    walk(page, TO_INFORM)
    expect(page).to_have_url(re.compile(r"/inform_person/$"))
    who, reason = page.locator("#id_inform_who"), page.locator("#id_not_informing_reason")
    if javascript:
        expect(who).to_be_hidden()
        expect(reason).to_be_hidden()
        page.locator('input[name="answer"][value="will_inform"]').check()
        expect(who).to_be_visible()
        expect(reason).to_be_hidden()
        page.locator('input[name="answer"][value="not_informing"]').check()
        expect(reason).to_be_visible()
        expect(who).to_be_hidden()
    else:
        expect(who).to_be_visible()
        expect(reason).to_be_visible()
    # The date's format shows before anything is typed.
    expect(page.locator("#id_reconsider_date-hint")).to_contain_text(re.compile(r"For example, \d{1,2} \d{1,2} \d{4}"))
    page.screenshot(path=f"{SHOTS}/inform-person-{'js' if javascript else 'nojs'}.png", full_page=True)
    answer(page, "inform_person", "will_inform")
    expect(page).to_have_url(re.compile(r"/check/$"))
    row = page.locator(".govuk-summary-list__row", has_text="Will you tell")
    expect(row).to_contain_text("I will tell her mother by phone")
    # Details typed under another answer are not kept (without JavaScript they were visible and filled).
    expect(row).not_to_contain_text("increase the risk")


def test_back_twice_to_the_first_page_offers_the_draft_just_begun(signed_in_page, live_server):
    page = signed_in_page
    start(page, live_server.url, "want_to_share", case_reference="BACK-1")
    walk(page, ["emergency_check:no"])
    expect(page).to_have_url(re.compile(r"/steps/2/purpose/$"))
    # The browser's own Back button (htmx restores each page from the server: it caches none).
    page.evaluate("history.back()")
    expect(page).to_have_url(re.compile(r"/steps/1/emergency_check/$"))
    expect(page.locator("h1")).to_contain_text("seriously harmed")
    page.evaluate("history.back()")
    expect(page).to_have_url(re.compile(r"/decisions/new/$"))
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_contain_text("You have already started a decision for case reference BACK-1")
    page.screenshot(path=f"{SHOTS}/back-twice-resume.png", full_page=True)
    banner.get_by_role("link", name="Continue that decision").click()
    expect(page).to_have_url(re.compile(r"/steps/2/purpose/$"))


def test_the_urgent_route_shows_act_now_once_and_records_one_urgent_row(signed_in_page, live_server):
    page = signed_in_page
    page.goto(f"{live_server.url}/decisions/new/")
    page.get_by_role("button", name="Urgent: someone is in danger now").click()
    expect(page.locator("h1")).to_contain_text("Act now")
    page.get_by_role("button", name="Start the record").click()
    expect(page.get_by_text("You pressed the urgent button")).to_be_visible()
    expect(page.get_by_role("button", name="Urgent: someone is in danger now")).to_have_count(0)
    page.get_by_label("Case reference").fill("URGENT-1")
    page.locator('input[name="answer"][value="want_to_share"]').check()
    page.locator("#id_summary").fill("A child in danger tonight")
    page.get_by_role("button", name="Continue").click()
    # Who it is about comes first (what may be shared, and the record, depend on it), then what was shared.
    expect(page).to_have_url(re.compile(r"/steps/2/consent_from_whom/$"))
    expect(page.locator("h1")).not_to_contain_text("Act now")
    expect(page.get_by_role("button", name="Urgent: someone is in danger now")).to_have_count(0)
    walk(page, ["consent_from_whom:child_under_16"])
    expect(page).to_have_url(re.compile(r"/steps/3/minimum_necessary/$"))
    expect(page.locator("h1")).to_contain_text("did you share")
    walk(page, ["minimum_necessary:all_relevant", "recipient_check:yes_social_care", "secure_method:phone_then_written",
                "inform_person:will_inform"])
    expect(page).to_have_url(re.compile(r"/check/$"))
    urgent_rows = page.locator(".govuk-summary-list__row", has_text="urgent button")
    expect(urgent_rows).to_have_count(1)
    expect(urgent_rows).to_contain_text("cannot be undone")
    page.screenshot(path=f"{SHOTS}/urgent-check.png", full_page=True)
    assert_accessible(page)
    record(page)
    expect(guidance(page)).to_contain_text("someone is in danger")
    expect(page.locator("#safeguarding-reminder")).to_be_visible()


def test_an_htmx_swap_never_writes_an_inline_style_even_when_the_old_page_had_one(signed_in_page, live_server):
    """The source of the CSP console errors: htmx copied style="" (left by extensions or screenshot tools) across swaps."""
    page = signed_in_page
    start(page, live_server.url, "want_to_share")
    assert "style" not in page.evaluate("htmx.config.attributesToSettle")
    # What a browser extension or a screenshot tool leaves behind: an empty style="" on the page's fields
    # (set through the CSSOM, which the CSP allows; copying the attribute is what it refuses).
    page.evaluate("document.querySelectorAll('#question-step [id]').forEach(e => { e.style.color = 'red'; e.style.color = '' })")
    assert page.locator("#question-step [style]").count() > 0
    walk(page, ["emergency_check:no", "purpose:yes"])
    assert page.locator("#question-step [style]").count() == 0
    # The autouse console_errors fixture fails this test if any swap applied an inline style.


def test_after_not_sure_and_advice_the_check_page_shows_the_answer_that_stands(signed_in_page, live_server):
    page = signed_in_page
    start(page, live_server.url, "asked_to_share")
    walk(page, ["requester_verified:yes", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
                "identifiable:yes", "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved", "confidential:yes", "consent_safe_to_ask:yes_unsafe",
                "harm_threshold:no_risk"])
    expect(page).to_have_url(re.compile(r"/check/$"))
    rows = page.locator(".govuk-summary-list__row", has_text="Is the information confidential?")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Answered after advice")
    expect(rows).to_contain_text("Sam Lead")
    expect(rows.locator(".govuk-summary-list__value > p.govuk-body").first).to_have_text("Yes")
    page.screenshot(path=f"{SHOTS}/not-sure-advice-check.png", full_page=True)


def test_a_draft_under_an_older_flowchart_offers_to_restart_under_the_new_one(signed_in_page, live_server, settings, tmp_path):
    page = signed_in_page
    start(page, live_server.url, "want_to_share", case_reference="OLDER-1")
    walk(page, ["emergency_check:no"])
    original = settings.ISG_FLOWCHART_PATH.read_text(encoding="utf-8")
    newer = tmp_path / "information-sharing.yaml"
    newer.write_text(re.sub(r'^version: "[^"]+"', 'version: "9.9.9"', original, flags=re.M), encoding="utf-8")
    settings.ISG_FLOWCHART_PATH = newer
    page.reload()
    notice = page.get_by_role("region", name="Important")
    expect(notice).to_contain_text("A newer version of the flowchart (9.9.9) has been published")
    expect(notice.get_by_role("link", name="See what changed")).to_have_attribute("href", "/flowchart/changes/")
    page.screenshot(path=f"{SHOTS}/newer-flowchart-notice.png", full_page=True)
    notice.get_by_role("button", name="Restart under version 9.9.9").click()
    expect(page).to_have_url(re.compile(r"/steps/1/emergency_check/$"))
    expect(page.get_by_text("This decision now follows flowchart version 9.9.9")).to_be_visible()
    expect(page.get_by_text("A newer version of the flowchart")).to_have_count(0)
    page.goto(f"{live_server.url}/decisions/")
    expect(page.get_by_role("heading", name="Drafts restarted under a newer flowchart")).to_be_visible()
