"""The partnership dashboard in a real browser, with JavaScript and without.

As `lscb`: open the dashboard from the menu, read the figures, filter by agency (htmx swaps the
figures in place and the address follows; without JavaScript the form reloads the page), and
follow the overdue link to the register. axe-core runs before and after the swap; conftest fails
the test on any console error (a CSP violation from an inline style would be one).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import build_world

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lscb_reads_and_filters_the_dashboard(browser, live_server, monkeypatch, console_errors, javascript):
    build_world(monkeypatch)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, "lscb")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_have_text("Partnership dashboard")
    expect(page.locator("#dashboard-count")).to_have_text("11 decisions counted")
    expect(page.locator("#chart-agency svg[role=img]")).to_be_visible()
    expect(page.locator("#chart-agency table")).to_contain_text("North")
    expect(page.locator('[data-figure="share-rate"]')).to_have_text("91%")
    if javascript:
        assert_accessible(page)
        page.evaluate("window.__stillSamePage = true")
    page.locator("input[name=agency][value=north]").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#dashboard-count")).to_have_text("6 decisions counted")
    expect(page).to_have_url(re.compile(r"/dashboard/\?.*agency=north"))
    expect(page.locator('[data-figure="share-rate"]')).to_have_text("83%")
    expect(page.locator("#chart-agency table tbody tr")).to_have_count(1)
    if javascript:
        assert page.evaluate("window.__stillSamePage === true")  # swapped in place, not reloaded
        assert_accessible(page)
    page.screenshot(path=f"/tmp/dashboard-north-{'js' if javascript else 'nojs'}.png", full_page=True)

    # The overdue approvals (South's late emergency share) open in the register, filtered alike.
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#dashboard-count")).to_have_text("11 decisions counted")
    page.get_by_role("link", name="see them in the register").click()
    expect(page.locator("h1")).to_have_text("Decision register")
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    expect(page).to_have_url(re.compile(r"/register/\?overdue=yes$"))
    context.close()
