"""The suite's client enforces CSRF, so every form test goes through the same check as production."""

import pytest


def test_the_shared_client_enforces_csrf_checks(client):
    assert client.handler.enforce_csrf_checks is True


@pytest.mark.django_db
def test_a_post_with_a_forged_token_is_refused(client):
    response = client.post("/accounts/login/", {"username": "x", "password": "y"}, HTTP_X_CSRFTOKEN="forged" * 6)
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_post_with_the_sites_token_reaches_the_form(client):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200  # the form answered (wrong password), not the CSRF check
