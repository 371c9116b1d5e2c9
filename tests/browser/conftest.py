"""Browser tests: a live server, headless Chromium, a signed-in user, and axe-core.

Every browser test fails on any console error or uncaught page error, in every page of every
context it opens (CSP violations are console errors): see `console_errors`.
"""

from __future__ import annotations

import re
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.factories import PASSWORD, current_code, make_user

pytestmark = pytest.mark.browser


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, running one request through Django at a time: on SQLite the test database is
    one in-memory connection that the server's threads share, so two requests at once (a click while
    an htmx request is still out) could meet inside one transaction ("cannot start a transaction within
    a transaction"). Connections are still accepted and read on their own threads, so an idle socket
    the browser opened ahead of time never holds the others up."""

    lock = threading.Lock()

    def set_app(self, application) -> None:
        def one_at_a_time(environ, start_response):
            with self.lock:
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()  # request_finished, inside the lock

        super().set_app(one_at_a_time)


if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture
def browser_user(transactional_db):
    return make_user(username="browser", first_name="Bea", last_name="Browser")


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in with the password and, when the code page follows (a user with an authenticator app:
    tests.factories gives one to every role that must have one), with the app's current code."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/accounts/two-factor/" in page.url and "/set-up/" not in page.url:
        from isg.accounts.models import User

        page.get_by_label("Enter the 6-digit code from your authenticator app").fill(
            current_code(User.objects.get(username=username)))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


class ConsoleErrors(list):
    """Console errors and uncaught page errors, as `text (url:line)`; `allow(pattern)` expects one."""

    def __init__(self) -> None:
        super().__init__()
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """A test that provokes an error on purpose (a refused request) names it here."""
        self.allowed.append(re.compile(pattern))

    def watch(self, context: BrowserContext) -> BrowserContext:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.append(f"uncaught: {error.error}"))
        return context

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location or {}
            self.append(f"{message.text} ({where.get('url', '?')}:{where.get('lineNumber', '?')})")

    @property
    def unexpected(self) -> list[str]:
        return [e for e in self if not any(p.search(e) for p in self.allowed)]


@pytest.fixture(autouse=True)
def console_errors(browser: Browser, monkeypatch) -> ConsoleErrors:
    """Fail the test on any console error in any page it opens (the fixture's own contexts too)."""
    errors = ConsoleErrors()
    new_context = browser.new_context
    monkeypatch.setattr(browser, "new_context", lambda *a, **kw: errors.watch(new_context(*a, **kw)))
    yield errors
    assert errors.unexpected == [], "console errors:\n" + "\n".join(errors.unexpected)


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


# GOV.UK Frontend's conditional reveal sets aria-expanded on the radio or checkbox that reveals the
# extra question. ARIA 1.2 does not list it for those roles, so axe reports it; the Design System
# keeps it on purpose because screen readers announce it (alphagov/govuk-frontend#979, a documented
# known issue; w3c/aria#1404). Only that one attribute on those inputs is set aside; every other
# check, on every element, still fails the test.
_GOVUK_REVEAL_INPUT = re.compile(r'class="govuk-(radios|checkboxes)__input"')
_ONLY_ARIA_EXPANDED = re.compile(r'^ARIA attribute is not allowed: aria-expanded="(true|false)"$')


def _is_govuk_conditional_reveal(violation: dict) -> bool:
    if violation["id"] != "aria-allowed-attr":
        return False
    for node in violation["nodes"]:
        messages = [check["message"] for check in node["any"] + node["all"] + node["none"]]
        if not (_GOVUK_REVEAL_INPUT.search(node["html"]) and messages
                and all(_ONLY_ARIA_EXPANDED.match(m) for m in messages)):
            return False
    return True


def assert_accessible(page: Page) -> None:
    """axe-core finds no violations on the page as it is now. Use a JavaScript page: axe cannot run without it."""
    results = _axe.run(page)
    violations = [v for v in results.response["violations"] if not _is_govuk_conditional_reveal(v)]
    assert not violations, results.generate_report()
