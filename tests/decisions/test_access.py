"""Deny by default on every decision URL: anonymous, another practitioner, the practitioner's own
line manager, another agency's manager, LSCB, trainer and administrator (rules: isg/access/rules.py).

Drafts are the owner's alone. A submitted decision is also readable (outcome, resume) by the
owner's line manager and by LSCB; nobody but the owner reaches its edit URLs. Everyone else gets
404, never a hint that the decision exists.
"""

import pytest

from isg.accounts.models import User
from tests.factories import make_decision, make_manager, make_user

from .helpers import start_decision

pytestmark = pytest.mark.django_db


def decision_urls(decision) -> list[tuple[str, str]]:
    base = f"/decisions/{decision.public_id}"
    return [
        ("get", f"{base}/"), ("get", f"{base}/steps/1/emergency_check/"), ("post", f"{base}/steps/1/emergency_check/"),
        ("get", f"{base}/urgent/"), ("post", f"{base}/urgent/press/"), ("get", f"{base}/check/"),
        ("post", f"{base}/check/"), ("get", f"{base}/outcome/"), ("post", f"{base}/restart/"),
    ]


READ_URLS = ("/", "/outcome/")  # the only decision URLs a reader other than the owner may reach


@pytest.fixture
def decision(signed_in):
    return start_decision(signed_in)


def test_anonymous_users_are_sent_to_sign_in_from_every_decision_url(client, decision):
    client.logout()
    for method, url in decision_urls(decision):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("role", ["practitioner", "line_manager", "trainer", "partnership", "admin"])
def test_nobody_but_the_owner_can_see_or_change_a_draft(client, decision, role):
    client.force_login(make_user(role=role))
    for method, url in decision_urls(decision):
        assert getattr(client, method)(url, {"answer": "yes", "revision": decision.revision}).status_code == 404, (role, url)
    before = (decision.revision, decision.path)
    decision.refresh_from_db()
    assert (decision.revision, decision.path) == before


def test_not_even_the_owners_own_line_manager_sees_a_draft(client, decision, practitioner):
    client.force_login(make_manager(agency=practitioner.agency, reports=[practitioner]))
    for method, url in decision_urls(decision):
        assert getattr(client, method)(url).status_code == 404, url


@pytest.mark.parametrize("reader", ["line_manager", "partnership"])
def test_a_submitted_decision_is_read_only_for_the_owners_manager_and_lscb(client, practitioner, reader):
    submitted = make_decision(practitioner, "outcome_share_with_consent", submit=True, case_reference="CASE-READ")
    if reader == "line_manager":
        user = make_manager(agency=practitioner.agency, reports=[practitioner])
    else:
        user = make_user(role=User.Role.PARTNERSHIP, agency=None)
    client.force_login(user)
    for method, url in decision_urls(submitted):
        response = getattr(client, method)(url, {"answer": "yes", "revision": submitted.revision})
        readable = method == "get" and any(url.endswith(f"{submitted.public_id}{tail}") for tail in READ_URLS)
        if readable:
            assert response.status_code in (200, 302), url
        else:
            assert response.status_code == 404, url
    outcome = client.get(f"/decisions/{submitted.public_id}/outcome/")
    assert outcome.status_code == 200 and "CASE-READ" in outcome.content.decode()
    before = submitted.revision
    submitted.refresh_from_db()
    assert submitted.revision == before


@pytest.mark.parametrize("role", ["practitioner", "line_manager", "trainer", "admin"])
def test_a_submitted_decision_is_404_to_other_agencies_and_roles(client, practitioner, role):
    submitted = make_decision(practitioner, "outcome_share_with_consent", submit=True)
    client.force_login(make_user(role=role))  # a new agency each time
    for method, url in decision_urls(submitted):
        assert getattr(client, method)(url).status_code == 404, (role, url)


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
