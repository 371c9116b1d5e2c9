"""The second factor: who must have one, the code page, setting up, turning off, resetting, audit."""

from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from isg.accounts import two_factor
from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import TEST_TOTP_KEY, current_code, make_user

pytestmark = pytest.mark.django_db

CODE_PAGE = "/accounts/two-factor/"
SETUP_PAGE = "/accounts/two-factor/set-up/"
REMOVE_PAGE = "/accounts/two-factor/turn-off/"


def password_only(username: str, **extra) -> Client:
    """A browser that has given the right password and nothing more."""
    client = csrf_client()
    response = sign_in(client, username, **extra)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def key_from_page(html: str) -> str:
    match = re.search(r'id="setup-key"><code>([A-Z2-7 ]+)</code>', html)
    assert match, "the set-up page shows the key as text"
    return match.group(1).replace(" ", "")


def code_from_key(base32_key: str) -> str:
    from base64 import b32decode

    padded = base32_key + "=" * (-len(base32_key) % 8)
    totp = TOTP(b32decode(padded))
    totp.time = time.time()
    return f"{totp.token():06d}"


def events(action: str, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject_type="user", subject_id=str(user.pk)))


# -- who must have one ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, required", [
    ({"role": User.Role.PARTNERSHIP}, True),
    ({"role": User.Role.ADMIN}, True),
    ({"role": User.Role.PRACTITIONER, "is_staff": True}, True),
    ({"role": User.Role.TRAINER, "is_superuser": True}, True),
    ({"role": User.Role.PRACTITIONER}, False),
    ({"role": User.Role.LINE_MANAGER}, False),
    ({"role": User.Role.TRAINER}, False),
])
def test_who_must_have_a_second_factor(kwargs, required):
    assert two_factor.required_for(make_user(two_factor=False, agency=None, **kwargs)) is required


# -- the code page after the password -----------------------------------------------------------------

def test_a_partnership_user_is_asked_for_a_code_after_the_password_and_then_reaches_their_page():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    landing = client.get("/")
    assert landing.status_code == 302 and landing["Location"] == f"{CODE_PAGE}?next=%2F"
    page = client.get(landing["Location"]).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert 'aria-label="Service menu"' not in page  # no menu of pages the code still bars
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "ask your ISG administrator" in page  # who to ask when the phone is lost
    assert "wait" in page  # the throttle is explained before it bites
    response = post(client, CODE_PAGE, {"code": current_code(lscb), "next": "/register/"})
    assert response.status_code == 302 and response["Location"] == "/register/"
    assert client.get("/register/").status_code == 200
    assert len(events("otp_verified", lscb)) == 1


def test_until_the_code_every_page_but_the_two_factor_ones_sends_to_the_code_page():
    make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    for url in ("/register/", "/dashboard/", "/accounts/", "/accounts/password/", REMOVE_PAGE, "/case-studies/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE), url
    # htmx is told to load the code page in full.
    response = client.get("/register/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"].startswith(CODE_PAGE)
    # A form post is refused the same way, and not carried out.
    response = post(client, "/accounts/password/", {"old_password": "x", "new_password1": "y", "new_password2": "y"})
    assert response.status_code == 302 and response["Location"] == CODE_PAGE
    # Signing out, the code page, public pages and health checks stay open.
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get(CODE_PAGE).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/password/reset/").status_code == 200


def test_an_administrator_must_give_the_code_before_the_admin_site():
    make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)
    client = password_only("boss")
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE)
    # The admin's own sign-in page does not let the password alone through either.
    admin = csrf_client()
    response = post(admin, "/admin/login/?next=/admin/", {"username": "boss", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert admin.get("/admin/").get("Location", "").startswith(CODE_PAGE)


def test_a_wrong_code_is_a_clear_error_audited_without_the_code():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    wrong = f"{(int(current_code(lscb)) + 1) % 1_000_000:06d}"
    page = post(client, CODE_PAGE, {"code": wrong}).content.decode()
    assert "There is a problem" in page and "That code is not right" in page
    assert 'href="#id_code"' in page and "<title>Error:" in page
    assert client.get("/register/").status_code == 302  # still not through
    (failed,) = events("otp_failed", lscb)
    assert failed.payload == {"device": TOTPDevice.objects.get(user=lscb).pk, "reason": "wrong_code"}
    assert wrong not in str(failed.payload) and TEST_TOTP_KEY not in str(failed.payload)


@pytest.mark.parametrize("typed, message", [
    ("", "Enter the 6-digit code from your authenticator app"),
    ("12345", "Enter the code as 6 digits"),
    ("abcdef", "Enter the code as 6 digits"),
])
def test_a_missing_or_malformed_code_says_what_to_enter(typed, message):
    make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    assert message in post(client, CODE_PAGE, {"code": typed}).content.decode()


def test_a_code_with_a_space_as_apps_show_it_is_accepted():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    code = current_code(lscb)
    response = post(client, CODE_PAGE, {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302


def test_a_code_is_accepted_once_and_refused_when_replayed():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    code = current_code(lscb)
    first = password_only("lscb")
    assert post(first, CODE_PAGE, {"code": code}).status_code == 302
    second = password_only("lscb")
    page = post(second, CODE_PAGE, {"code": code}).content.decode()
    assert "already been used" in page
    assert second.get("/register/").status_code == 302


def test_wrong_codes_are_throttled_and_the_page_says_how_long_to_wait():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    device = TOTPDevice.objects.get(user=lscb)
    for _ in range(3):
        post(client, CODE_PAGE, {"code": "000000" if current_code(lscb) != "000000" else "111111"})
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # skip the wait
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=4)
    post(client, CODE_PAGE, {"code": "000000" if current_code(lscb) != "000000" else "111111"})
    # Now even the right code must wait (2^4 = 16 seconds), and the page says so.
    page = post(client, CODE_PAGE, {"code": current_code(lscb)}).content.decode()
    assert "too many wrong codes" in page and re.search(r"Wait 1[0-6] seconds", page), page
    assert client.get("/register/").status_code == 302
    # A wait is never longer than the cap, however many wrong codes.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=60)
    page = post(client, CODE_PAGE, {"code": current_code(lscb)}).content.decode()
    assert "Wait 18 minutes" in page or "Wait 17 minutes" in page, page
    # Once the wait is over, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert post(client, CODE_PAGE, {"code": current_code(lscb)}).status_code == 302


def test_sign_in_lockout_still_works_before_the_code():
    make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = csrf_client()
    for _ in range(5):
        sign_in(client, "lscb", "wrong-password")
    assert sign_in(client, "lscb").status_code == 429


# -- setting up ---------------------------------------------------------------------------------------

def test_a_required_user_without_an_app_sets_one_up_at_sign_in():
    lscb = make_user(username="newlscb", role=User.Role.PARTNERSHIP, agency=None, two_factor=False)
    client = password_only("newlscb")
    landing = client.get("/register/")
    assert landing["Location"] == f"{SETUP_PAGE}?next=%2Fregister%2F"
    page = client.get(landing["Location"]).content.decode()
    assert 'src="data:image/svg+xml' in page and "QR code" in page
    key = key_from_page(page)
    # Reloading shows the same key: the app someone has just scanned keeps working.
    assert key_from_page(client.get(SETUP_PAGE).content.decode()) == key
    assert "not right" in post(client, SETUP_PAGE, {"code": "000000" if code_from_key(key) != "000000" else "111111"}).content.decode()
    TOTPDevice.objects.filter(user=lscb).update(throttling_failure_timestamp=None)  # skip the 1-second wait
    response = post(client, SETUP_PAGE, {"code": code_from_key(key), "next": "/register/"})
    # Then the backup codes page (tests/accounts/test_backup_codes.py), which goes on to /register/.
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/backup-codes/?next=%2Fregister%2F"
    assert client.get("/register/").status_code == 200
    device = TOTPDevice.objects.get(user=lscb)
    assert device.confirmed
    (set_up,) = events("otp_device_set_up", lscb)
    assert set_up.payload == {"device": device.pk, "replaced": []}
    assert device.key not in str(set_up.payload) and key not in str(set_up.payload)
    # Next time, the code page.
    again = password_only("newlscb")
    assert again.get("/register/")["Location"].startswith(CODE_PAGE)


def test_with_an_app_the_password_alone_cannot_set_up_another():
    make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    response = client.get(SETUP_PAGE)
    assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE)
    assert TOTPDevice.objects.filter(confirmed=False).count() == 0


def test_replacing_the_app_keeps_the_old_one_until_the_new_one_is_confirmed(client):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    old = TOTPDevice.objects.get(user=lscb)
    client.force_login(lscb)
    page = client.get(SETUP_PAGE).content.decode()
    assert "Replace your authenticator app" in page
    key = key_from_page(page)
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
    assert client.post(SETUP_PAGE, {"code": code_from_key(key)}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    (set_up,) = events("otp_device_set_up", lscb)
    assert set_up.payload["replaced"] == [old.pk]
    assert client.get("/register/").status_code == 200  # still verified, by the new app


def test_everyone_else_is_offered_a_second_factor_and_can_turn_it_off(client, practitioner):
    client.force_login(practitioner)
    account = client.get("/accounts/").content.decode()
    assert "Set up a second factor" in account and "Off: you sign in with your password only" in account
    setup = client.get(SETUP_PAGE).content.decode()
    assert 'aria-label="Service menu"' in setup  # signed in in full: the menu stays
    key = key_from_page(setup)
    assert client.post(SETUP_PAGE, {"code": code_from_key(key)}).status_code == 302
    account = client.get("/accounts/").content.decode()
    assert "Turn off your second factor" in account and "Authenticator app, set up on" in account
    # From now on the practitioner is asked for a code too.
    later = password_only(practitioner.username)
    assert later.get("/decisions/")["Location"].startswith(CODE_PAGE)
    # Turning it off (in the verified session).
    assert "Turn off your second factor" in client.get(REMOVE_PAGE).content.decode()
    assert client.post(REMOVE_PAGE).status_code == 302
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
    assert events("otp_device_removed", practitioner)[0].payload["by"] == "self"
    assert password_only(practitioner.username).get("/decisions/").status_code == 200


def test_a_practitioner_without_an_app_is_never_asked_for_a_code(practitioner):
    client = password_only(practitioner.username)
    assert client.get("/decisions/").status_code == 200
    assert client.get(CODE_PAGE)["Location"] == "/decisions/"


def test_required_users_cannot_turn_it_off_only_replace_it(client):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client.force_login(lscb)
    account = client.get("/accounts/").content.decode()
    assert "Replace your authenticator app" in account and "Turn off your second factor" not in account
    page = client.post(REMOVE_PAGE).content.decode()
    assert "You cannot turn off your second factor" in page
    assert TOTPDevice.objects.filter(user=lscb, confirmed=True).exists()
    assert events("otp_device_removed", lscb) == []


# -- single sign-on -----------------------------------------------------------------------------------

class StandInSSOBackend(ModelBackend):
    """Stands in for isg.sso.backend.OIDCBackend, which is installed only when a provider is configured."""


def test_single_sign_on_sessions_are_exempt(settings, monkeypatch):
    assert two_factor.SSO_BACKEND == "isg.sso.backend.OIDCBackend"
    stand_in = f"{__name__}.StandInSSOBackend"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, stand_in]
    monkeypatch.setattr(two_factor, "SSO_BACKEND", stand_in)
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None, two_factor=False)
    client = Client()
    client.force_login(lscb, backend=stand_in)
    assert client.session[BACKEND_SESSION_KEY] == stand_in
    assert client.get("/register/").status_code == 200
    assert "Given by your organisation" in client.get("/accounts/").content.decode()
    # The same user with a password session is not.
    assert password_only("lscb").get("/register/")["Location"].startswith(SETUP_PAGE)


# -- resetting: the admin and the command ----------------------------------------------------------------

def test_an_administrator_resets_a_lost_phone_in_the_admin_audited_and_signed_out(client):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    lscb_browser = Client()
    lscb_browser.force_login(lscb)
    assert lscb_browser.get("/register/").status_code == 200
    boss = make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = client.post("/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [lscb.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lscb).exists()
    (removed,) = events("otp_device_removed", lscb)
    assert removed.actor == boss and removed.payload["by"] == "admin"
    assert lscb_browser.get("/register/")["Location"].startswith("/accounts/login/")  # signed out
    # At the next sign-in they set up a new app.
    assert password_only("lscb").get("/register/")["Location"].startswith(SETUP_PAGE)
    assert verify_chain().ok


def test_the_admin_never_shows_a_key_and_cannot_add_devices(client):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    device = TOTPDevice.objects.get(user=lscb)
    client.force_login(make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True))
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "lscb" in listing.content.decode()
    detail = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert detail.status_code == 200
    for response in (listing, detail):
        body = response.content.decode()
        assert TEST_TOTP_KEY not in body and "otpauth://" not in body and "qrcode" not in body.lower()
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403


def test_the_reset_command_for_when_no_administrator_can_sign_in():
    boss = make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True)
    out = StringIO()
    call_command("reset_two_factor", "boss", stdout=out)
    assert "reset for boss" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=boss).exists()
    (removed,) = events("otp_device_removed", boss)
    assert removed.actor is None and removed.payload["by"] == "command"


# -- the test helpers the rest of the suite relies on ---------------------------------------------------

def test_force_login_signs_required_users_in_as_verified_and_can_leave_the_code_owed():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    verified = Client()
    verified.force_login(lscb)
    assert verified.get("/register/").status_code == 200
    lscb.otp_device = None
    owed = Client()
    owed.force_login(lscb)
    assert owed.get("/register/")["Location"].startswith(CODE_PAGE)
    fetched = User.objects.get(pk=lscb.pk)  # no otp_device attribute: the suite's client looks it up
    from tests.conftest import BrowserLikeClient

    browser_like = BrowserLikeClient()
    browser_like.force_login(fetched)
    assert browser_like.get("/register/").status_code == 200


def test_the_audit_chain_stays_sound():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    client = password_only("lscb")
    post(client, CODE_PAGE, {"code": "000000" if current_code(lscb) != "000000" else "111111"})
    TOTPDevice.objects.filter(user=lscb).update(throttling_failure_timestamp=None)
    post(client, CODE_PAGE, {"code": current_code(lscb)})
    assert verify_chain().ok
    assert [e.action for e in AuditEvent.objects.filter(subject_type="user")] == ["otp_failed", "otp_verified"]
