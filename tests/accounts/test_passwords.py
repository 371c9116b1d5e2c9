"""Changing your own password, and resetting a forgotten one by email."""

import re

import pytest

from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = "lantern-orchard-velvet-42"


def test_a_signed_in_user_changes_their_password_and_other_sessions_end():
    pat = make_user(username="pat")
    laptop, phone = csrf_client(), csrf_client()
    sign_in(laptop, "pat")
    sign_in(phone, "pat")
    page = laptop.get("/accounts/password/").content.decode()
    assert "Change your password" in page and 'autocomplete="new-password"' in page
    response = post(laptop, "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/changed/"
    assert "Your password has been changed" in laptop.get(response["Location"]).content.decode()
    pat.refresh_from_db()
    assert pat.check_password(NEW)
    assert laptop.get("/decisions/").status_code == 200  # still signed in here
    assert phone.get("/decisions/").status_code == 302  # signed out elsewhere


def test_a_wrong_current_password_or_a_weak_new_one_is_explained():
    pat = make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    page = post(client, "/accounts/password/", {"old_password": "nope", "new_password1": NEW, "new_password2": NEW})
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    assert 'href="#id_old_password"' in page.content.decode()
    weak = post(client, "/accounts/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert "too short" in weak.content.decode()
    pat.refresh_from_db()
    assert pat.check_password(PASSWORD)


def test_changing_the_password_needs_the_csrf_token():
    pat = make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 403
    pat.refresh_from_db()
    assert pat.check_password(PASSWORD)


def test_the_account_page_links_to_password_change_and_sign_out_everywhere():
    make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    page = client.get("/accounts/").content.decode()
    assert 'href="/accounts/password/"' in page and 'href="/accounts/logout/"' in page


def test_the_password_pages_need_sign_in():
    assert csrf_client().get("/accounts/password/")["Location"].startswith("/accounts/login/")


def test_a_forgotten_password_is_reset_through_a_link_that_holds_no_personal_details(mailoutbox):
    pat = make_user(username="pat.smith", first_name="Patricia", last_name="Smith", email="pat@example.org")
    client = csrf_client()
    assert "I have forgotten my password" in client.get("/accounts/login/").content.decode()
    response = post(client, "/accounts/password/reset/", {"email": "pat@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["pat@example.org"]
    body = mail.subject + mail.body
    for personal in ("pat.smith", "Patricia", "Smith"):
        assert personal not in body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.body).group(1)

    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
    set_password_url = page.redirect_chain[-1][0]
    response = post(client, set_password_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    pat.refresh_from_db()
    assert pat.check_password(NEW)
    # The link works once.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()
    assert sign_in(csrf_client(), "pat.smith", NEW).status_code == 302


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing(mailoutbox):
    make_user(username="pat", email="pat@example.org")
    response = post(csrf_client(), "/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_a_reset_request_without_an_address_is_explained(mailoutbox):
    page = post(csrf_client(), "/accounts/password/reset/", {"email": ""}).content.decode()
    assert "Enter your work email address" in page and 'href="#id_email"' in page
    assert mailoutbox == []


def test_asking_for_a_reset_needs_the_csrf_token(mailoutbox):
    make_user(username="pat", email="pat@example.org")
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post("/accounts/password/reset/", {"email": "pat@example.org"}).status_code == 403
    assert mailoutbox == []
