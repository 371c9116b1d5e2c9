"""The path diagram on a recorded decision and on a worked walk, in headless Chromium: opened from
its details element, scrolled with the keyboard, axe-core clean with the details open (with
JavaScript), working without JavaScript, and readable when Graphviz is missing. The conftest fails
every test here on any console error (a CSP violation from a style attribute would be one)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from isg.flowchart import diagram
from isg.flowchart.path_diagram import DECISION_PREFIX, WALK_PREFIX
from tests.decisions.helpers import walk

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/path-diagram-outcome.png"
NOT_SURE_PATH = ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                 "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved", "confidential:yes",
                 "consent_safe_to_ask:yes_unsafe", "harm_threshold:yes_others_serious_harm",
                 "minimum_necessary:all_relevant", "recipient_check:yes_other", "secure_method:secure_email",
                 "inform_person:will_inform"]
WALK = ("cs07", "main")  # a worked walk with "I'm not sure" and advice on it


@pytest.fixture(autouse=True)
def fresh_cache():
    diagram.clear_cache()
    yield
    diagram.clear_cache()


@pytest.fixture
def outcome_url(client, browser_user) -> str:
    """A decision recorded by the browser user (through the views, as the test client, CSRF enforced)."""
    client.force_login(browser_user)
    decision = walk(client, NOT_SURE_PATH)
    response = client.post(reverse("decisions:check", args=[decision.public_id]), {"revision": decision.revision})
    assert response.status_code in (302, 303), response.content.decode()[:1000]
    return reverse("decisions:outcome", args=[decision.public_id])


def open_diagram(page: Page, prefix: str, summary: str) -> None:
    details = page.locator(f"details#{prefix}")
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("svg[role=img]")).to_be_hidden()
    page.get_by_text(summary, exact=True).click()
    expect(details).to_have_attribute("open", "")


def check_diagram(page: Page, prefix: str, *, keyboard: bool) -> None:
    frame = page.locator(f"#{prefix} .isg-path-diagram__scroll")
    svg = frame.locator("svg[role=img]")
    expect(svg).to_be_visible()
    expect(svg.locator("g.isg-path").first).to_be_attached()
    expect(page.locator(f"#{prefix}-summary")).to_contain_text(re.compile(r"(went|goes) through \d+ questions"))
    expect(page.locator(f"#{prefix}").get_by_role("link", name="How the flowchart works")).to_be_visible()
    if keyboard:
        # The frame is reached with Tab and scrolls with the arrow keys.
        frame.focus()
        expect(frame).to_be_focused()
        assert frame.evaluate("el => el.scrollTop") == 0
        page.keyboard.press("PageDown")
        page.wait_for_function("el => el.scrollTop > 0", arg=frame.element_handle())
        frame.evaluate("el => { el.scrollTop = 0; }")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_outcome_and_walk_pages_show_the_path_diagram(browser, live_server, browser_user, outcome_url, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(10000)
    sign_in(page, live_server.url, browser_user.username)

    page.goto(live_server.url + outcome_url)
    open_diagram(page, DECISION_PREFIX, "See your path on the flowchart diagram")
    if javascript:
        page.locator(f"details#{DECISION_PREFIX}").screenshot(path=SCREENSHOT)  # as first opened
    check_diagram(page, DECISION_PREFIX, keyboard=javascript)
    expect(page.locator(f"#{DECISION_PREFIX}-summary")).to_contain_text("advice sought after")
    if javascript:
        assert_accessible(page)

    page.goto(live_server.url + reverse("casestudies:walk", args=WALK))
    open_diagram(page, WALK_PREFIX, "See this walk on the flowchart diagram")
    check_diagram(page, WALK_PREFIX, keyboard=javascript)
    if javascript:
        assert_accessible(page)
    context.close()


def test_without_graphviz_the_pages_say_so_and_stay_accessible(browser, live_server, browser_user, outcome_url,
                                                                monkeypatch, tmp_path):
    monkeypatch.setattr(diagram, "DOT_BINARY", str(tmp_path / "no-such-dot"))  # the live server shares this process
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10000)
    sign_in(page, live_server.url, browser_user.username)
    for url, prefix, summary in (
        (outcome_url, DECISION_PREFIX, "See your path on the flowchart diagram"),
        (reverse("casestudies:walk", args=WALK), WALK_PREFIX, "See this walk on the flowchart diagram"),
    ):
        page.goto(live_server.url + url)
        open_diagram(page, prefix, summary)
        expect(page.locator(f"#{prefix}-unavailable")).to_contain_text("Graphviz, the program that draws it, is not installed")
        expect(page.locator(f"#{prefix} svg")).to_have_count(0)
        expect(page.locator(f"#{prefix}-summary")).to_be_visible()
        assert_accessible(page)
    context.close()
