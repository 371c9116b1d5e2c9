"""Backup codes for the second factor: made and shown once, stored hashed, each usable once at the code
page, replaced when made again, removed with the app, throttled and audited (never the codes)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from isg.accounts import backup_codes, two_factor
from isg.accounts.models import BackupCode, User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.accounts.test_two_factor import SETUP_PAGE, code_from_key, key_from_page
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CODE_PAGE = "/accounts/two-factor/"
BACKUP_PAGE = "/accounts/two-factor/backup-codes/"
SHOWN = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture
def lscb():
    return make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)


def make_codes(client) -> list[str]:
    page = post(client, BACKUP_PAGE) if "csrftoken" in client.cookies else client.post(BACKUP_PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Save your backup codes now" in html and "only time you will see these codes" in html
    codes = SHOWN.findall(html)
    assert len(codes) == backup_codes.COUNT and len(set(codes)) == backup_codes.COUNT
    return codes


def owing_code(username: str) -> Client:
    client = csrf_client()
    assert sign_in(client, username).status_code == 302
    return client


def events(action: str, user: User) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject_type="user", subject_id=str(user.pk)))


def test_codes_are_shown_once_and_stored_only_as_hashes(client, lscb):
    client.force_login(lscb)
    page = client.get(BACKUP_PAGE).content.decode()
    assert "You have no backup codes yet" in page and "Make backup codes" in page
    codes = make_codes(client)
    stored = list(BackupCode.objects.filter(user=lscb).values_list("code_hash", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert not any(code.replace("-", "") in h or code in h for h in stored)
    # Never again: the page now only counts them.
    again = client.get(BACKUP_PAGE).content.decode()
    assert "You have <strong>10</strong> backup codes left" in again
    assert not SHOWN.search(again) and not any(code in again for code in codes)
    assert "10 left" in client.get("/accounts/").content.decode()
    (made,) = events("backup_codes_made", lscb)
    assert made.payload == {"count": 10, "replaced_unused": 0}
    assert not any(code in str(made.payload) for code in codes)


def test_a_backup_code_works_once_at_the_code_page(lscb):
    codes = backup_codes.backup_codes_make(user=lscb)
    client = owing_code("lscb")
    page = client.get(CODE_PAGE).content.decode()
    assert "I cannot use my authenticator app" in page and 'name="backup_code"' in page
    response = post(client, CODE_PAGE, {"backup_code": codes[3].upper().replace("-", " "), "next": "/register/"})
    assert response.status_code == 302 and response["Location"] == "/register/"
    assert "You have 9 left" in client.get("/register/").content.decode()
    (used,) = events("backup_code_used", lscb)
    assert used.payload["left"] == 9 and codes[3] not in str(used.payload)
    # The same code again, in another browser: refused.
    other = owing_code("lscb")
    page = post(other, CODE_PAGE, {"backup_code": codes[3]})
    html = page.content.decode()
    assert page.status_code == 200 and "That backup code is not right, or it has already been used" in html
    assert 'href="#id_backup_code"' in html and "<details class=\"govuk-details\" open>" in html
    assert other.get("/register/")["Location"].startswith(CODE_PAGE)
    failed = events("otp_failed", lscb)
    assert [e.payload["reason"] for e in failed] == ["wrong_backup_code"]
    assert verify_chain().ok


def test_a_malformed_backup_code_is_explained(lscb):
    backup_codes.backup_codes_make(user=lscb)
    client = owing_code("lscb")
    for typed, message in (("", "Enter one of your backup codes"), ("123456", "10 letters and digits")):
        assert message in post(client, CODE_PAGE, {"backup_code": typed}).content.decode()
    assert events("otp_failed", lscb) == []


def test_wrong_backup_codes_share_the_apps_throttle(lscb):
    backup_codes.backup_codes_make(user=lscb)
    client = owing_code("lscb")
    device = TOTPDevice.objects.get(user=lscb)
    post(client, CODE_PAGE, {"backup_code": "aaaaa-aaaaa"})
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=5)
    post(client, CODE_PAGE, {"backup_code": "bbbbb-bbbbb"})  # counted: the throttle timestamp is now
    codes = backup_codes.backup_codes_make(user=lscb)
    page = post(client, CODE_PAGE, {"backup_code": codes[0]}).content.decode()
    assert "too many wrong codes" in page  # even a right one waits
    assert backup_codes.unused(lscb).count() == 10  # and was not used up


def test_making_new_codes_replaces_the_old_ones(client, lscb):
    client.force_login(lscb)
    old = make_codes(client)
    page = client.get(BACKUP_PAGE).content.decode()
    assert "Making new codes stops all your old ones working" in page
    new = make_codes(client)
    assert not set(old) & set(new)
    assert BackupCode.objects.filter(user=lscb).count() == 10
    assert [e.payload["replaced_unused"] for e in events("backup_codes_made", lscb)] == [0, 10]
    browser = owing_code("lscb")
    assert "not right" in post(browser, CODE_PAGE, {"backup_code": old[0]}).content.decode()
    TOTPDevice.objects.filter(user=lscb).update(throttling_failure_timestamp=None)  # skip the 1-second wait
    assert post(browser, CODE_PAGE, {"backup_code": new[0]}).status_code == 302


def test_setting_up_an_app_leads_to_making_backup_codes_then_onwards():
    lscb = make_user(username="newlscb", role=User.Role.PARTNERSHIP, agency=None, two_factor=False)
    client = owing_code("newlscb")
    key = key_from_page(client.get(f"{SETUP_PAGE}?next=/register/").content.decode())
    response = post(client, SETUP_PAGE, {"code": code_from_key(key), "next": "/register/"})
    assert response["Location"] == f"{BACKUP_PAGE}?next=%2Fregister%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Your authenticator app is set up" in page and 'href="/register/"' in page  # "Not now"
    shown = post(client, BACKUP_PAGE, {"next": "/register/"}).content.decode()
    assert 'href="/register/"' in shown and "I have saved my backup codes" in shown
    assert backup_codes.unused(lscb).count() == 10


def test_replacing_an_app_keeps_the_codes_and_goes_straight_on(client, lscb):
    backup_codes.backup_codes_make(user=lscb)
    client.force_login(lscb)
    key = key_from_page(client.get(SETUP_PAGE).content.decode())
    response = client.post(SETUP_PAGE, {"code": code_from_key(key), "next": "/register/"})
    assert response["Location"] == "/register/"
    assert backup_codes.unused(lscb).count() == 10


def test_resetting_the_second_factor_removes_the_codes(lscb):
    backup_codes.backup_codes_make(user=lscb)
    two_factor.remove(lscb, actor=None, by="command")
    assert not BackupCode.objects.filter(user=lscb).exists()


def test_without_an_app_there_is_no_backup_codes_page(client, practitioner):
    client.force_login(practitioner)
    assert client.get(BACKUP_PAGE)["Location"] == "/accounts/"
    assert client.post(BACKUP_PAGE)["Location"] == "/accounts/"
    assert not BackupCode.objects.exists()


def test_the_page_needs_the_code_first(lscb):
    client = owing_code("lscb")
    assert client.get(BACKUP_PAGE)["Location"].startswith(CODE_PAGE)
    assert post(client, BACKUP_PAGE)["Location"].startswith(CODE_PAGE)
    assert not BackupCode.objects.exists()
