"""Posting forms the way a browser does: with the CSRF token from the page, and CSRF enforced."""

from __future__ import annotations

from django.test import Client

from tests.factories import PASSWORD


def csrf_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the sign-in page sets the CSRF cookie
    return client


def post(client: Client, url: str, data: dict | None = None, **extra):
    token = client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token, **(data or {})}, **extra)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return post(client, "/accounts/login/", {"username": username, "password": password}, **extra)
