"""Setting up an authenticator app: one pending app however often the page is opened, and the
person's other sessions end when it is confirmed (this one goes on)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from isg.accounts import two_factor
from isg.accounts.models import User
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.accounts.test_two_factor import SETUP_PAGE, code_from_key, key_from_page
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_every_visit_to_the_set_up_page_reuses_the_pending_app(client, practitioner):
    client.force_login(practitioner)
    keys = {key_from_page(client.get(SETUP_PAGE).content.decode()) for _ in range(3)}
    assert len(keys) == 1
    assert TOTPDevice.objects.filter(user=practitioner, confirmed=False).count() == 1


def test_extra_pending_apps_left_from_before_are_tidied_to_one(practitioner):
    for _ in range(3):
        TOTPDevice.objects.create(user=practitioner, name="Authenticator app", confirmed=False)
    newest = TOTPDevice.objects.filter(user=practitioner).latest("pk")
    assert two_factor.pending_device(practitioner) == newest
    assert list(TOTPDevice.objects.filter(user=practitioner)) == [newest]


def test_the_pending_app_is_never_anyone_elses(practitioner):
    other = make_user(username="other")
    theirs = two_factor.pending_device(other)
    assert two_factor.pending_device(practitioner) != theirs


def test_setting_up_an_app_ends_the_other_sessions_and_keeps_this_one():
    make_user(username="pat2fa")
    laptop, phone, tablet = csrf_client(), csrf_client(), csrf_client()
    for browser in (laptop, phone, tablet):
        assert sign_in(browser, "pat2fa").status_code == 302
    sam = make_user(username="sam")
    sams = Client()
    sams.force_login(sam)
    key = key_from_page(laptop.get(SETUP_PAGE).content.decode())
    response = post(laptop, SETUP_PAGE, {"code": code_from_key(key)})
    assert response.status_code == 302
    assert laptop.get("/decisions/").status_code == 200  # this session goes on, verified by the new app
    for other in (phone, tablet):
        assert other.get("/decisions/")["Location"].startswith("/accounts/login/")
    assert sams.get("/decisions/").status_code == 200  # nobody else's


def test_replacing_the_app_also_ends_the_other_sessions(client):
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    elsewhere = Client()
    elsewhere.force_login(lscb)
    assert elsewhere.get("/register/").status_code == 200
    client.force_login(lscb)
    key = key_from_page(client.get(SETUP_PAGE).content.decode())
    assert client.post(SETUP_PAGE, {"code": code_from_key(key)}).status_code == 302
    assert client.get("/register/").status_code == 200
    assert elsewhere.get("/register/")["Location"].startswith("/accounts/login/")
