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
    expect(page).to_have_url(re.compile(r"/steps/1/emergency_check/$"))


def answer(page: Page, node: str, value: str) -> None:
    """Answer the question on screen, filling the details and reasons it asks for."""
    assert re.search(rf"/steps/\d+/{node}/", page.url), (node, page.url)
    # htmx pushes the URL as it swaps; wait for this question's own form before touching it.
    form = page.locator(f'form[action*="/{node}/"]')
    expect(form).to_be_visible()
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    form.locator(f'input[name="answer"][value="{value}"]').check()
    for field_id, text in FIELD_VALUES.items():
        box = form.locator(f"input#id_{field_id}[type=text], textarea#id_{field_id}")
        if box.count():
            box.fill(text)
    if value == "not_informing":
        form.locator('input[name="not_informing_reason"][value="increases_risk"]').check()
    form.locator("#id_rationale").fill("The facts in the case notes support this answer")
    form.get_by_role("button", name="Continue").click()


def walk(page: Page, pairs: list[str]) -> None:
    """Answer each `node:answer`, waiting for the server to show the next page each time."""
    for pair in pairs:
        node, value = pair.split(":")
        step = int(re.search(r"/steps/(\d+)/", page.url).group(1))
        answer(page, node, value)
        expect(page).to_have_url(re.compile(rf"/steps/{step + 1}/[a-z_]+/$|/check/$"))


def record(page: Page) -> None:
    page.get_by_role("button", name="Record this decision").click()
    expect(page).to_have_url(re.compile(r"/outcome/$"))
