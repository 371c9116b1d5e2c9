"""The glossary and "What changed" pages in headless Chromium: reached from the footer, accessible,
and quiet in the console, with JavaScript and without."""

import re

import pytest
from playwright.sync_api import Page, expect

from isg.flowchart.services import current_flowchart, previous_flowchart

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS = ("Questions", "Answers", "Outcome rules", "Variables")


def collect_console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def visit_glossary(page: Page, base_url: str, *, axe: bool) -> None:
    terms = sorted(current_flowchart().glossary, key=lambda term: term.term.casefold())
    assert terms, "the live flowchart has a glossary"
    page.goto(f"{base_url}/case-studies/")
    page.get_by_role("contentinfo").get_by_role("link", name="Glossary").click()
    expect(page).to_have_url(f"{base_url}/flowchart/glossary/")
    expect(page).to_have_title("Glossary – Information Sharing Guide")
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossary")
    expect(page.locator("dt.govuk-summary-list__key")).to_have_text([term.term for term in terms])
    if axe:
        assert_accessible(page)
    # The A to Z jumps down the page to the last letter's terms.
    letter = next(term.term[0].upper() for term in reversed(terms) if term.term[0].isalpha())
    page.get_by_role("navigation", name="Glossary, A to Z").get_by_role(
        "link", name=f"Terms beginning with {letter}", exact=True
    ).click()
    expect(page).to_have_url(re.compile(rf"#letter-{letter.lower()}$"))
    expect(page.get_by_role("heading", level=2, name=letter, exact=True)).to_be_in_viewport()
    # A link from a question's hint lands on the term's own entry.
    page.goto(f"{base_url}/flowchart/glossary/#{terms[-1].id}")
    expect(page.locator(f"[id='{terms[-1].id}']")).to_be_in_viewport()
    expect(page.locator(f"[id='{terms[-1].id}']")).to_contain_text(terms[-1].definition)


def visit_changes(page: Page, *, axe: bool) -> None:
    live, previous = current_flowchart(), previous_flowchart()
    assert previous is not None, "an earlier flowchart is archived"
    page.get_by_role("contentinfo").get_by_role("link", name="What changed in the flowchart").click()
    expect(page).to_have_title("What changed in the flowchart – Information Sharing Guide")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"What changed in version {live.version}")
    expect(page.get_by_text(f"{previous.version} (sha256 {previous.sha256[:12]})")).to_be_visible()
    expect(page.get_by_text(f"{live.version} (sha256 {live.sha256[:12]})")).to_be_visible()
    for title in SECTIONS:
        expect(page.get_by_role("heading", level=2, name=title, exact=True)).to_be_visible()
    expect(page.locator("main li").filter(has_text=re.compile(r"\w")).first).to_be_visible()
    if axe:
        assert_accessible(page)


def test_glossary_and_changes_pages_with_javascript(signed_in_page, live_server, console_errors):
    page = signed_in_page
    page.set_default_timeout(5000)
    visit_glossary(page, live_server.url, axe=True)
    visit_changes(page, axe=True)
    assert console_errors == []


def test_glossary_and_changes_pages_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.set_default_timeout(5000)
    errors = collect_console_errors(page)
    # axe-core cannot run where scripts are off, so the same HTML is checked on the JavaScript run.
    visit_glossary(page, live_server.url, axe=False)
    visit_changes(page, axe=False)
    assert errors == []
