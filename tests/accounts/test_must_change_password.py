"""A password someone else chose (an administrator, `manage.py changepassword`) must be changed at the
first sign-in: until then the session reaches only the change-password page and signing out."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.management.commands import changepassword as django_changepassword
from django.core.management import call_command

from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password/"
GIVEN = "given-by-the-admin-2026"
OWN = "only-i-know-this-one-77"


def changed_events(user: User) -> list[dict]:
    events = AuditEvent.objects.filter(action="password_changed", subject_type="user", subject_id=str(user.pk))
    return [{"actor": e.actor_id, **e.payload} for e in events]


@pytest.fixture
def boss():
    return make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_browser(client, boss):
    client.force_login(boss)
    return client


def set_in_admin(admin_browser, user: User, password: str = GIVEN):
    return admin_browser.post(f"/admin/accounts/user/{user.pk}/password/",
                              {"password1": password, "password2": password, "usable_password": "true"})


def test_a_password_set_in_the_admin_must_be_changed_and_is_audited(admin_browser, boss):
    pat = make_user(username="pat")
    response = set_in_admin(admin_browser, pat)
    assert response.status_code == 302, response.content.decode()[:2000]
    pat.refresh_from_db()
    assert pat.must_change_password and pat.check_password(GIVEN)
    assert changed_events(pat) == [{"actor": boss.pk, "by": "admin", "must_change": True}]
    assert GIVEN not in str(AuditEvent.objects.values_list("payload", flat=True))


def test_until_changed_every_page_leads_to_the_change_password_page():
    make_user(username="pat", password=GIVEN, must_change_password=True)
    client = csrf_client()
    response = sign_in(client, "pat", GIVEN)
    assert response.status_code == 302
    for url in ("/decisions/", "/decisions/new/", "/accounts/", "/case-studies/", "/accounts/two-factor/set-up/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == CHANGE, url
    response = client.get("/decisions/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == CHANGE
    # A form post elsewhere is not carried out.
    assert post(client, "/decisions/new/", {"case_reference": "X"})["Location"] == CHANGE
    # Open: the page itself, signing out, the public pages.
    page = client.get(CHANGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose a new password" in html and "set by an administrator" in html
    assert 'aria-label="Service menu"' not in html  # no menu of pages it cannot open yet
    assert client.get("/accounts/logout/").status_code == 200
    assert client.get("/accounts/password/reset/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_changing_it_clears_the_flag_and_opens_the_service():
    pat = make_user(username="pat", password=GIVEN, must_change_password=True)
    client = csrf_client()
    sign_in(client, "pat", GIVEN)
    response = post(client, CHANGE, {"old_password": GIVEN, "new_password1": OWN, "new_password2": OWN})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/changed/"
    pat.refresh_from_db()
    assert not pat.must_change_password and pat.check_password(OWN)
    assert client.get("/decisions/").status_code == 200
    assert changed_events(pat)[-1] == {"actor": pat.pk, "by": "self", "must_change": False}
    assert verify_chain().ok


def test_the_new_password_must_differ_from_the_one_given():
    pat = make_user(username="pat", password=GIVEN, must_change_password=True)
    client = csrf_client()
    sign_in(client, "pat", GIVEN)
    page = post(client, CHANGE, {"old_password": GIVEN, "new_password1": GIVEN, "new_password2": GIVEN})
    assert page.status_code == 200
    assert "different from the one you have now" in page.content.decode()
    pat.refresh_from_db()
    assert pat.must_change_password


def test_the_second_factor_comes_first_then_the_new_password():
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None, password=GIVEN,
                     must_change_password=True)
    client = csrf_client()
    sign_in(client, "lscb", GIVEN)
    assert client.get("/register/")["Location"].startswith("/accounts/two-factor/")
    assert client.get(CHANGE)["Location"].startswith("/accounts/two-factor/")
    response = post(client, "/accounts/two-factor/", {"code": current_code(lscb), "next": "/register/"})
    assert response["Location"] == "/register/"
    assert client.get("/register/")["Location"] == CHANGE


def test_adding_a_person_with_a_password_in_the_admin_sets_the_flag(admin_browser, boss):
    response = admin_browser.post("/admin/accounts/user/add/", {
        "username": "newbie", "password1": GIVEN, "password2": GIVEN, "usable_password": "true",
        "role": User.Role.PRACTITIONER, "agency": "", "line_manager": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    newbie = User.objects.get(username="newbie")
    assert newbie.must_change_password
    assert changed_events(newbie) == [{"actor": boss.pk, "by": "admin", "must_change": True}]


def test_the_changepassword_command_sets_the_flag():
    pat = make_user(username="pat")
    out = StringIO()
    with mock.patch.object(django_changepassword.Command, "_get_pass", return_value=GIVEN):
        call_command("changepassword", "pat", stdout=out)
    assert "next sign-in" in out.getvalue()
    pat.refresh_from_db()
    assert pat.must_change_password and pat.check_password(GIVEN)
    assert changed_events(pat) == [{"actor": None, "by": "command", "must_change": True}]


def test_a_reset_link_is_the_persons_own_choice_and_clears_the_flag(mailoutbox):
    import re

    pat = make_user(username="pat", email="pat@example.org", must_change_password=True)
    client = csrf_client()
    post(client, "/accounts/password/reset/", {"email": "pat@example.org"})
    link = re.search(r"(/accounts/password/reset/\S+/\S+/)", mailoutbox[0].body).group(1)
    page = client.get(link, follow=True)
    post(client, page.redirect_chain[-1][0], {"new_password1": OWN, "new_password2": OWN})
    pat.refresh_from_db()
    assert not pat.must_change_password
    assert changed_events(pat)[-1]["by"] == "reset"


def test_an_ordinary_password_change_is_audited_too(signed_in, practitioner):
    response = signed_in.post(CHANGE, {"old_password": PASSWORD, "new_password1": OWN, "new_password2": OWN})
    assert response.status_code == 302
    assert changed_events(practitioner) == [{"actor": practitioner.pk, "by": "self", "must_change": False}]


def test_an_administrator_setting_their_own_password_in_the_admin_need_not_change_it(admin_browser, boss):
    assert set_in_admin(admin_browser, boss).status_code == 302
    boss.refresh_from_db()
    assert not boss.must_change_password
    assert changed_events(boss) == [{"actor": boss.pk, "by": "self", "must_change": False}]
