"""Deny by default: every decision URL, for anonymous, another practitioner, a trainer and the owner."""

import pytest

from tests.factories import make_user

from .helpers import start_decision

pytestmark = pytest.mark.django_db


def decision_urls(decision) -> list[tuple[str, str]]:
    base = f"/decisions/{decision.public_id}"
    return [
        ("get", f"{base}/"), ("get", f"{base}/steps/1/emergency_check/"), ("post", f"{base}/steps/1/emergency_check/"),
        ("get", f"{base}/urgent/"), ("post", f"{base}/urgent/press/"), ("get", f"{base}/check/"),
        ("post", f"{base}/check/"), ("get", f"{base}/outcome/"), ("post", f"{base}/restart/"),
    ]


@pytest.fixture
def decision(signed_in):
    return start_decision(signed_in)


def test_anonymous_users_are_sent_to_sign_in_from_every_decision_url(client, decision):
    client.logout()
    for method, url in decision_urls(decision):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", ["practitioner", "line_manager", "trainer", "partnership", "admin"])
def test_nobody_but_the_owner_can_see_or_change_a_decision(client, decision, role):
    client.force_login(make_user(role=role))
    for method, url in decision_urls(decision):
        assert getattr(client, method)(url, {"answer": "yes", "revision": decision.revision}).status_code == 404, (role, url)
    before = (decision.revision, decision.path)
    decision.refresh_from_db()
    assert (decision.revision, decision.path) == before


def test_the_owner_can_use_every_decision_url(signed_in, decision):
    for method, url in decision_urls(decision):
        if method == "get":
            assert signed_in.get(url).status_code in (200, 302), url


def test_a_deactivated_owner_is_signed_out(client, decision):
    owner = decision.owner
    client.force_login(owner)
    owner.is_active = False
    owner.save()
    assert client.get(f"/decisions/{decision.public_id}/")["Location"].startswith("/accounts/login/")
