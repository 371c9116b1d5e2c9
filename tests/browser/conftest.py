"""Browser tests: a live server, headless Chromium, a signed-in user, and axe-core."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_user(transactional_db):
    return make_user(username="browser", first_name="Bea", last_name="Browser")


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Console errors and CSP violations the page causes; a test asserts this stays empty."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def signed_in_page(page: Page, live_server, browser_user) -> Page:
    sign_in(page, live_server.url, browser_user.username)
    return page


@pytest.fixture
def no_js_page(browser, live_server, browser_user):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, browser_user.username)
    yield page
    context.close()


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no violations on the page as it is now. Use a JavaScript page: axe cannot run without it."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()
