"""Accounts in a real browser, with JavaScript and without: an administrator invites someone, who follows
the emailed link, chooses a password, sets up an authenticator app and saves backup codes; a password an
administrator chose must be changed first; an expired link. axe-core on every new page (with JavaScript);
conftest fails the test on any console error."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from isg.accounts.access_changes import access_change_confirm
from isg.accounts.models import Invitation, User
from tests.factories import PASSWORD, make_agency, make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHOSEN = "harbour-lantern-orchard-61"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/\?token=[A-Za-z0-9_-]+)")
SCREENSHOTS = None  # set to a folder to keep a screenshot of each page while developing


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def check(page: Page, javascript: bool, name: str) -> None:
    shot(page, f"{name}-{'js' if javascript else 'nojs'}")
    if javascript:
        assert_accessible(page)


def code_from_key(text: str) -> str:
    key = text.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_invited_person_sets_up_their_account_from_the_link(browser, live_server, javascript, console_errors):
    console_errors.allow(r"/favicon\.ico")  # the administrator signs in to Django's admin, which names no icon
    mail.outbox = []
    make_agency(name="North agency")
    make_user(username="boss", first_name="Alex", last_name="Admin", role=User.Role.ADMIN, agency=None,
              is_staff=True, is_superuser=True)
    admin = browser.new_context(java_script_enabled=javascript).new_page()
    sign_in(admin, live_server.url, "boss")
    admin.goto(f"{live_server.url}/admin-pages/people/invite/")
    expect(admin.locator("h1")).to_have_text("Invite someone")
    check(admin, javascript, "invite")
    # Nothing filled in: the GOV.UK error summary, each error linked to its field.
    admin.get_by_role("button", name="Send invitation").click()
    summary = admin.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter their full name")
    expect(summary).to_contain_text("Choose their role")
    expect(admin).to_have_title(re.compile("^Error: "))
    check(admin, javascript, "invite-errors")
    admin.get_by_label("Full name").fill("Lee Jones")
    admin.get_by_label("Work email address").fill("lee.jones@lscb.example.org")
    admin.get_by_label("Safeguarding partnership (LSCB)").check()
    admin.get_by_role("button", name="Send invitation").click()
    # Partnership staff read every decision: the link goes only once a second administrator confirms.
    expect(admin.locator(".govuk-notification-banner--success")).to_contain_text(
        "the invitation is sent only once another administrator or the partnership lead confirms it")
    expect(admin.locator("#account-status")).to_contain_text("sent once a second person confirms it")
    check(admin, javascript, "invitation-held")
    admin.context.close()
    assert not [m for m in mail.outbox if LINK.search(m.body)]
    lee = User.objects.get(username="lee.jones")
    second = make_user(username="second", role=User.Role.ADMIN, agency=None)
    access_change_confirm(change=lee.access_changes.get(), actor=second)

    (sent,) = [m for m in mail.outbox if LINK.search(m.body)]
    path = LINK.search(sent.body).group(1)
    page = browser.new_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server.url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/invitation/accept/$"))  # the token left the address bar
    expect(page.locator("h1")).to_have_text("Set up your account")
    expect(page.locator("#username")).to_have_text("lee.jones")
    check(page, javascript, "accept")
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label("New password confirmation").fill(CHOSEN)
    page.get_by_role("button", name="Save password and continue").click()
    # The partnership role needs a second factor: set up before anything else.
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    key = page.locator("#setup-key").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_key(key))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Backup codes")
    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()
    check(page, javascript, "backup-codes")
    page.get_by_role("button", name="Make backup codes").click()
    expect(page.locator("h1")).to_have_text("Save your backup codes now")
    expect(page.locator("#backup-codes li")).to_have_count(10)
    check(page, javascript, "backup-codes-shown")
    page.get_by_role("button", name="I have saved my backup codes").click()
    expect(page.locator("h1")).to_have_text("Decision register")  # the LSCB's start page
    page.context.close()

    # The link works once.
    again = browser.new_context(java_script_enabled=javascript).new_page()
    again.goto(f"{live_server.url}{path}")
    expect(again.locator("h1")).to_have_text("This invitation link no longer works")
    expect(again.get_by_text("already been used")).to_be_visible()
    check(again, javascript, "link-used")
    again.context.close()


def test_an_expired_link_says_what_to_do(page, live_server):
    boss = make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)
    from isg.accounts.invitations import invite

    mail.outbox = []
    invitation = invite(email="kim@example.org", name="Kim Lee", role=User.Role.TRAINER, invited_by=boss)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page.goto(live_server.url + LINK.search(mail.outbox[0].body).group(1))
    expect(page.locator("h1")).to_have_text("This invitation link no longer works")
    expect(page.get_by_text("The link has expired")).to_be_visible()
    expect(page.get_by_role("link", name="sign in")).to_be_visible()
    check(page, True, "link-expired")


def test_a_password_an_administrator_chose_is_changed_first(page, live_server):
    given = "given-by-the-administrator-9"
    make_user(username="pat", password=given, must_change_password=True)
    sign_in(page, live_server.url, "pat", given)
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.locator("h1")).to_have_text("Choose a new password")
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    check(page, True, "must-change")
    page.goto(f"{live_server.url}/decisions/")
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    page.get_by_label("Old password").fill(given)
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label("New password confirmation").fill(CHOSEN)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("h1")).to_have_text("Your password has been changed")
    page.goto(f"{live_server.url}/decisions/")
    expect(page).to_have_url(re.compile(r"/decisions/$"))
    assert PASSWORD != CHOSEN


def test_a_backup_code_signs_in_when_the_phone_is_lost(page, live_server):
    from isg.accounts.backup_codes import backup_codes_make

    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    codes = backup_codes_make(user=lscb)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lscb")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("I cannot use my authenticator app").click()
    page.get_by_label("Backup code").fill("wrong-wrong")
    page.get_by_role("button", name="Use backup code").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a backup code as 10 letters and digits")
    check(page, True, "backup-code-error")
    page.get_by_label("Backup code").fill(codes[0])
    page.get_by_role("button", name="Use backup code").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Backup code accepted. You have 9 left")
    check(page, True, "backup-code-used")
