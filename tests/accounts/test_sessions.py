"""Signing out: this browser, or every browser at once; deactivating a user ends their sessions."""

import pytest
from django.contrib.sessions.models import Session

from isg.accounts.sessions import end_all_sessions
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def signed_in(user, n: int = 1) -> list:
    clients = [csrf_client() for _ in range(n)]
    for client in clients:
        assert sign_in(client, user.username).status_code == 302
    return clients


def can_see_my_decisions(client) -> bool:
    return client.get("/decisions/").status_code == 200


def test_the_sign_out_page_offers_both_choices():
    pat = make_user(username="pat")
    (laptop,) = signed_in(pat)
    page = laptop.get("/accounts/logout/").content.decode()
    assert "Sign out of this browser" in page and "Sign out everywhere" in page
    assert 'name="everywhere" value="1"' in page


def test_signing_out_ends_only_this_session():
    pat = make_user(username="pat")
    laptop, phone = signed_in(pat, 2)
    response = post(laptop, "/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not can_see_my_decisions(laptop)
    assert can_see_my_decisions(phone)


def test_signing_out_everywhere_ends_every_session_of_that_user_only():
    pat, sam = make_user(username="pat"), make_user(username="sam")
    laptop, phone, tablet = signed_in(pat, 3)
    (sams,) = signed_in(sam)
    response = post(laptop, "/accounts/logout/", {"everywhere": "1"})
    assert response.status_code == 302
    assert sessions_of(pat) == 0
    assert not can_see_my_decisions(phone) and not can_see_my_decisions(tablet) and not can_see_my_decisions(laptop)
    assert can_see_my_decisions(sams) and sessions_of(sam) == 1
    landing = laptop.get(response["Location"]).content.decode()
    assert "You have signed out on every device and browser" in landing


def test_signing_out_needs_the_csrf_token():
    pat = make_user(username="pat")
    (laptop,) = signed_in(pat)
    assert laptop.post("/accounts/logout/", {"everywhere": "1"}).status_code == 403
    assert can_see_my_decisions(laptop)


def test_deactivating_a_user_ends_all_their_sessions():
    pat, sam = make_user(username="pat"), make_user(username="sam")
    laptop, phone = signed_in(pat, 2)
    (sams,) = signed_in(sam)
    pat.is_active = False
    pat.save(update_fields=["is_active"])
    assert sessions_of(pat) == 0
    # Even if the account is switched back on, the old sessions stay ended.
    pat.is_active = True
    pat.save()
    assert not can_see_my_decisions(laptop) and not can_see_my_decisions(phone)
    assert can_see_my_decisions(sams)


def test_deactivating_a_user_in_the_admin_ends_their_sessions():
    pat = make_user(username="pat", email="pat@example.org")
    (laptop,) = signed_in(pat)
    admin_user = make_user(username="root", is_staff=True, is_superuser=True, agency=None)
    admin = csrf_client()
    admin.force_login(admin_user)
    form = admin.get(f"/admin/accounts/user/{pat.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({
        "is_active": "", "agency": pat.agency_id, "groups": [], "user_permissions": [],
        "date_joined_0": pat.date_joined.strftime("%Y-%m-%d"), "date_joined_1": pat.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "", "last_login_1": "", "line_manager": "",
    })
    data = {k: v for k, v in data.items() if k not in ("is_active", "date_joined", "last_login")}
    response = post(admin, f"/admin/accounts/user/{pat.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pat.refresh_from_db()
    assert not pat.is_active
    assert sessions_of(pat) == 0 and not can_see_my_decisions(laptop)


def test_end_all_sessions_counts_what_it_ended():
    pat = make_user(username="pat")
    signed_in(pat, 2)
    assert end_all_sessions(pat) == 2
    assert end_all_sessions(pat) == 0
