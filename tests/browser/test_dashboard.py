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

from isg.decisions.models import Decision
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
    expect(page.locator('[data-figure="share-rate"]')).to_have_text("73%")
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
    page.get_by_role("link", name="See them in the register (overdue approvals and reviews)").click()
    expect(page.locator("h1")).to_have_text("Decision register")
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    expect(page).to_have_url(re.compile(r"/register/\?overdue=yes$"))
    context.close()


def _without_scripts(route) -> None:
    """The dashboard as a browser without JavaScript gets it: the page with its script tags taken out."""
    response = route.fetch()
    route.fulfill(response=response, body=re.sub(r"<script\b[^>]*>.*?</script>", "", response.text(), flags=re.S))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_audit_figures_fit_a_phone_and_open_exactly_their_rows(browser, live_server, monkeypatch, console_errors,
                                                                  javascript):
    world = build_world(monkeypatch)
    serious = world.decisions["serious1"]
    Decision.objects.filter(pk=serious.pk).update(state=dict(serious.state, recipient_kind="police"))
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, live_server.url, "lscb")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("#dashboard-count")).to_have_text("11 decisions counted")
    # Each key figure and what it counts.
    shared = page.locator('#key-figures [data-key="shared"]')
    expect(shared).to_contain_text("8 decisions, 73%")
    expect(shared).to_contain_text("went ahead")
    expect(page.locator('#key-figures [data-key="waiting"]')).to_contain_text("2 decisions, 18%")
    expect(page.locator("#table-timeliness-agency")).to_contain_text("North")
    expect(page.locator("#table-trends")).to_contain_text("April 2026")
    # Nothing makes the page wider than the phone: the wide tables scroll inside their own region.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    matrix = page.locator("#table-matrix .isg-table-scroll")
    expect(matrix).to_be_visible()
    page.screenshot(path=f"/tmp/dashboard-375-{'js' if javascript else 'nojs'}.png", full_page=True)
    if javascript:
        assert_accessible(page)
    else:
        # axe needs JavaScript: read the same page again with JavaScript on for axe alone, the page's scripts removed.
        checker = browser.new_context(viewport={"width": 375, "height": 800})
        checking = checker.new_page()
        sign_in(checking, live_server.url, "lscb")
        checker.route(re.compile(r"/dashboard/(\?.*)?$"), _without_scripts)
        checking.goto(f"{live_server.url}/dashboard/")
        assert checking.locator("script").count() == 0
        expect(checking.locator("#table-matrix")).to_be_visible()
        assert checking.evaluate("document.documentElement.scrollWidth") <= 375
        assert_accessible(checking)
        checker.close()

    # The matrix's one police share opens the register on exactly that decision.
    page.get_by_role("link", name="1 shared by South with police: see them in the register").click()
    expect(page.locator("h1")).to_have_text("Decision register")
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    expect(page).to_have_url(re.compile(r"/register/\?agency=south&flag=recipient_kind%3Apolice&position=shared$"))
    context.close()
