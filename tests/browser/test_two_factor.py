"""The second factor in a real browser: setting up an app at the first sign-in (scanning stood in for
by typing the key shown as text), then the code page at the next one; with and without JavaScript,
axe-core on each page, and no console error (a CSP violation from the QR code would be one)."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from isg.accounts.models import User
from tests.factories import PASSWORD, current_code, make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_key(text: str, steps_ahead: int = 0) -> str:
    key = text.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def password_step(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_first_sign_in_sets_up_an_app_and_the_next_asks_for_its_code(browser, live_server, javascript):
    make_user(username="newlscb", role=User.Role.PARTNERSHIP, agency=None, two_factor=False)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    password_step(page, live_server.url, "newlscb")
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert page.get_by_role("img", name=re.compile("QR code")).evaluate("img => img.naturalWidth") > 100
    if javascript:
        assert_accessible(page)
    key = page.locator("#setup-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", key)
    # A wrong code first: the GOV.UK error summary, linked to the field.
    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code as 6 digits")
    expect(page).to_have_title(re.compile("^Error: "))
    if javascript:
        assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(code_from_key(key))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()
    page.goto(f"{live_server.url}/register/")
    expect(page.locator("h1")).to_have_text("Decision register")
    context.close()

    # The next sign-in: the code page, then the register.
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    password_step(page, live_server.url, "newlscb")
    expect(page.locator("h1")).to_have_text("Enter the 6-digit code from your authenticator app")
    field = page.get_by_label("Enter the 6-digit code from your authenticator app")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(page.get_by_text("I cannot use my authenticator app")).to_be_visible()
    if javascript:
        assert_accessible(page)
    page.goto(f"{live_server.url}/register/")  # every other page sends back to the code page
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fregister%2F$"))
    field = page.get_by_label("Enter the 6-digit code from your authenticator app")
    field.fill(current_code(User.objects.get(username="newlscb")))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Decision register")
    context.close()


def test_the_suite_sign_in_helper_gives_the_code_for_required_users(page, live_server):
    make_user(username="boss", role=User.Role.ADMIN, agency=None)
    sign_in(page, live_server.url, "boss")
    expect(page).to_have_url(re.compile(r"/admin-pages/people/$"))  # ISG's own pages, not Django's admin
    expect(page.locator("h1")).to_have_text("People")
    page.goto(f"{live_server.url}/accounts/")
    expect(page.get_by_role("link", name="Replace your authenticator app")).to_be_visible()
    expect(page.get_by_role("link", name="Turn off your second factor")).to_have_count(0)
    assert_accessible(page)


def test_a_wrong_code_shows_the_error_summary(page, live_server):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    password_step(page, live_server.url, "lscb")
    right = current_code(lscb)
    page.get_by_label("Enter the 6-digit code from your authenticator app").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("That code is not right")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    summary.get_by_role("link").click()
    expect(page.get_by_label("Enter the 6-digit code from your authenticator app")).to_be_focused()
    assert_accessible(page)
