"""Who may export: LSCB and line managers (their scope); others 403; every POST needs its CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from isg.audit.models import AuditEvent

from .conftest import client_for, post_export, token_from

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["csv", "zip"])
@pytest.mark.parametrize("role", ["pat", "pat2", "trainer", "admin"])
def test_other_roles_get_403(people, decisions, role, kind):
    client = client_for(people[role])
    assert client.get(f"/exports/{kind}/").status_code == 403
    # A token from a page they can reach: the refusal is the role's, not the token's.
    token = token_from(client, "/accounts/password/")
    assert client.post(f"/exports/{kind}/", {"csrfmiddlewaretoken": token}).status_code == 403
    assert not AuditEvent.objects.filter(subject_type="export").exists()


@pytest.mark.parametrize("kind", ["csv", "zip"])
def test_a_post_without_the_csrf_token_is_refused(people, decisions, kind):
    client = client_for(people["lscb"])
    assert client.post(f"/exports/{kind}/", {"filter": ""}).status_code == 403
    assert not AuditEvent.objects.filter(subject_type="export").exists()


@pytest.mark.parametrize("kind", ["csv", "zip"])
def test_a_post_with_a_forged_token_is_refused(people, decisions, kind):
    client = client_for(people["lscb"])
    token_from(client, f"/exports/{kind}/")
    assert client.post(f"/exports/{kind}/", {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_the_token_from_the_register_page_works(people, decisions):
    client = client_for(people["manager"])
    token = token_from(client, "/register/")
    assert client.post("/exports/csv/", {"csrfmiddlewaretoken": token, "filter": ""}).status_code == 200


def test_anonymous_posts_are_sent_to_sign_in(decisions):
    response = Client().post("/exports/csv/", {})
    assert response.status_code in (302, 403)
    assert post_export  # imported for symmetry with the other modules
