"""Error pages never fail, and carry the security headers like every other page."""

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver

from isg.lib import errors
from tests.accounts.helpers import csrf_client, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Charsets Python cannot use to decode a form: unknown to it, or not a text encoding at all.
BAD_CHARSETS = ["x-unknown", "rot13", "base64", "utf-16", "latin-1"]


def post_raw(client: Client, url: str, charset: str):
    token = client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&username=pat&password=x&answer=yes".encode()
    return client.generic("POST", url, body, content_type=f"application/x-www-form-urlencoded; charset={charset}",
                          HTTP_X_CSRFTOKEN=token)


def assert_secure_error_page(response, status: int, heading: str) -> None:
    assert response.status_code == status
    assert heading in response.content.decode()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("charset", BAD_CHARSETS)
def test_a_form_in_an_unusable_charset_gets_a_proper_page_on_sign_in(charset):
    client = csrf_client()
    client.raise_request_exception = False
    response = post_raw(client, "/accounts/login/", charset)
    if charset == "x-unknown":  # Django ignores a charset it does not know and reads UTF-8
        assert response.status_code == 200 and response["X-Frame-Options"] == "DENY"
    else:
        assert_secure_error_page(response, 400, "Something was wrong with that request")


@pytest.mark.parametrize("charset", BAD_CHARSETS[1:])
def test_a_form_in_an_unusable_charset_gets_a_proper_page_on_a_decision(charset):
    make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    client.raise_request_exception = False
    response = post_raw(client, "/decisions/new/", charset)
    assert_secure_error_page(response, 400, "Something was wrong with that request")
    assert "no-store" in response["Cache-Control"]
    assert "Sign out" in response.content.decode()  # the signed-in page, not a bare one


def test_too_many_fields_gets_a_proper_page():
    client = csrf_client()
    client.raise_request_exception = False
    token = client.cookies["csrftoken"].value
    body = "&".join([f"csrfmiddlewaretoken={token}", *(f"f{n}=x" for n in range(1200))]).encode()
    response = client.generic("POST", "/accounts/login/", body, content_type="application/x-www-form-urlencoded")
    assert_secure_error_page(response, 400, "Something was wrong with that request")


def test_the_error_handlers_are_wired_up():
    resolver = get_resolver()
    assert resolver.resolve_error_handler(400) is errors.bad_request
    assert resolver.resolve_error_handler(403) is errors.permission_denied
    assert resolver.resolve_error_handler(404) is errors.page_not_found
    assert resolver.resolve_error_handler(500) is errors.server_error


def test_a_missing_page_has_the_headers():
    assert_secure_error_page(csrf_client().get("/no-such-page/"), 404, "Page not found")
    make_user(username="pat")
    client = csrf_client()
    sign_in(client, "pat")
    assert_secure_error_page(client.get("/no-such-page/"), 404, "Page not found")


def test_a_refusal_keeps_the_sentence_the_view_wrote():
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/")
    response = errors.permission_denied(request, PermissionDenied("Only practitioners record decisions."))
    assert response.status_code == 403 and "Only practitioners record decisions." in response.content.decode()


def test_the_server_error_page_renders_without_a_session_or_database():
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in response.content.decode()


def test_an_error_page_that_cannot_render_falls_back_to_plain_html(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render", broken)
    monkeypatch.setattr(errors.loader, "get_template", broken)
    request = RequestFactory().get("/")
    for view, status in ((errors.bad_request, 400), (errors.page_not_found, 404), (errors.permission_denied, 403)):
        response = view(request, None)
        assert response.status_code == status and "<h1>" in response.content.decode()
    assert errors.server_error(request).status_code == 500
