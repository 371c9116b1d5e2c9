"""Answer the practitioner's questions in a real browser, as a person would."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.decisions.helpers import FIELD_VALUES


def start(page: Page, base_url: str, direction: str, case_reference: str = "BROWSER-1") -> None:
    page.goto(f"{base_url}/decisions/new/")
    page.get_by_label("Case reference").fill(case_reference)
    page.locator(f'input[name="answer"][value="{direction}"]').check()
    page.locator("#id_summary").fill(FIELD_VALUES["summary"])
    page.get_by_role("button", name="Continue").click()
    # Flowchart 1.2 checks who is asking before anything else when someone asks for information.
    first = "requester_verified" if direction == "asked_to_share" else "emergency_check"
    expect(page).to_have_url(re.compile(rf"/steps/1/{first}/$"))


def fill_details(form, answer_value: str) -> None:
    """Fill the details the page shows for this answer: text, dates, choices and confirmations.

    Fields revealed under other answers are hidden with JavaScript and left alone, as a person would.
    """
    for field_id, text in FIELD_VALUES.items():
        boxes = form.locator(f"input#id_{field_id}[type=text], textarea#id_{field_id}")
        for i in range(boxes.count()):
            if boxes.nth(i).is_visible():
                boxes.nth(i).fill(text)
        tick = form.locator(f'input[type=checkbox][name="{field_id}"]')
        if tick.count() and tick.first.is_visible():
            tick.first.check()
        choice = form.locator(f'input[type=radio][name="{field_id}"][value="{text}"]')
        if choice.count() and choice.first.is_visible():
            choice.first.check()


def answer(page: Page, node: str, value: str) -> None:
    """Answer the question on screen, filling the details and reasons it asks for."""
    assert re.search(rf"/steps/\d+/{node}/", page.url), (node, page.url)
    # htmx pushes the URL as it swaps; wait for this question's own form before touching it.
    form = page.locator(f'form[action*="/{node}/"]')
    expect(form).to_be_visible()
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    form.locator(f'input[name="answer"][value="{value}"]').check()
    fill_details(form, value)
    form.locator("#id_rationale").fill("The facts in the case notes support this answer")
    form.get_by_role("button", name="Continue").click()


def walk(page: Page, pairs: list[str]) -> None:
    """Answer each `node:answer`, waiting for the server to show the next page each time."""
    for pair in pairs:
        node, value = pair.split(":")
        step = int(re.search(r"/steps/(\d+)/", page.url).group(1))
        answer(page, node, value)
        expect(page).to_have_url(re.compile(rf"/steps/{step + 1}/[a-z0-9_]+/$|/check/$"))


def record(page: Page) -> None:
    page.get_by_role("button", name="Record this decision").click()
    expect(page).to_have_url(re.compile(r"/outcome/$"))


def guidance(page: Page):
    """The outcome page's "What the guidance supports" line (the heading above it is the status)."""
    return page.locator("h2", has_text="What the guidance supports").locator("xpath=following-sibling::p[1]")
