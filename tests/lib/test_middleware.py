"""Signed-in pages are never stored by browsers or proxies; static files keep their caching."""

import pytest

from tests.accounts.helpers import csrf_client, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat_client():
    make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    return client


@pytest.mark.parametrize("url", ["/decisions/", "/accounts/", "/accounts/password/", "/accounts/logout/", "/no-such-page/"])
def test_every_signed_in_page_says_no_store(pat_client, url):
    response = pat_client.get(url)
    assert response.status_code in (200, 404)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_htmx_fragments_for_signed_in_users_say_no_store_too(pat_client):
    response = pat_client.get("/decisions/", HTTP_HX_REQUEST="true")
    assert "no-store" in response["Cache-Control"]


def test_redirects_after_sign_in_say_no_store(pat_client):
    response = pat_client.get("/")
    assert response.status_code == 302 and "no-store" in response["Cache-Control"]


def test_static_files_keep_their_own_caching(pat_client, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    from django.test import Client

    client = Client()
    client.cookies = pat_client.cookies  # signed in
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
