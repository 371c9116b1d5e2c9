"""A decision's History page and an amendment in a real browser, with and without JavaScript:
axe-core clean (with JavaScript), and no console errors (conftest fails the test on any)."""

import re

import pytest
from playwright.sync_api import expect

from tests.engine.walks import WALKS

from .conftest import assert_accessible, sign_in
from .walking import record, start, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_CONSENT_NEEDED = WALKS["outcome_share_no_consent_needed"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_recorded_decision_is_amended_and_its_history_read(browser, live_server, browser_user, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, browser_user.username)
    start(page, live_server.url, NO_CONSENT_NEEDED[0].split(":")[1])
    walk(page, list(NO_CONSENT_NEEDED[1:]))
    record(page)

    page.get_by_role("link", name="Amend this decision").click()
    expect(page.locator("h1")).to_have_text("Amend this decision")
    if javascript:
        assert_accessible(page)
    page.get_by_role("button", name="Add the amendment").click()  # empty: both errors
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the record needs correcting")
    expect(page).to_have_title(re.compile("^Error: "))
    if javascript:
        assert_accessible(page)
    page.get_by_label("Why does the record need correcting?").fill("The date of the incident was wrong")
    page.get_by_label("The correction").fill("The bruising was seen on 2 March, not 1 March.")
    page.get_by_role("button", name="Add the amendment").click()
    expect(page).to_have_url(re.compile(r"/outcome/#amendments$"))
    expect(page.locator("#amendments ~ .govuk-inset-text").first).to_contain_text("seen on 2 March")

    page.get_by_role("link", name="History of this decision").click()
    expect(page.locator("h1")).to_have_text("History of this decision")
    timeline = page.locator("#history")
    for words in ("Started", "Answered", "Submitted", "Amended"):
        expect(timeline).to_contain_text(words)
    expect(timeline).to_contain_text("The date of the incident was wrong")
    expect(timeline).not_to_contain_text("Viewed")  # views are listed only when asked for
    page.get_by_role("link", name=re.compile(r"^Show views \(\d+\)$")).click()
    expect(page.locator("#history")).to_contain_text("Viewed")
    if javascript:
        assert_accessible(page)
    context.close()
