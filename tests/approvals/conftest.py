"""People in two agencies, and decisions at each stage of approval, for the approvals tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client

from isg.accounts.models import User
from isg.decisions.models import Decision
from tests.decisions.helpers import walk
from tests.engine.walks import EXTRA_WALKS, WALKS
from tests.factories import make_agency, make_user

ALL_WALKS = {**WALKS, **EXTRA_WALKS}

MANAGER = User.Role.LINE_MANAGER


@dataclass
class People:
    agency: object
    other_agency: object
    boss: User  # the manager's own manager
    manager: User  # the practitioner's line manager
    peer: User  # another manager of the same agency
    practitioner: User
    outsider: User  # a manager in another agency
    outsider_practitioner: User


def make_people() -> People:
    agency, other = make_agency(name="Avon Health"), make_agency(name="Kingsmead School")
    boss = make_user(username="boss", first_name="Bella", last_name="Boss", role=MANAGER, agency=agency,
                     email="boss@example.org")
    manager = make_user(username="manager", first_name="Margaret", last_name="Hughes", role=MANAGER, agency=agency,
                        line_manager=boss, email="manager@example.org")
    peer = make_user(username="peer", first_name="Percy", last_name="Peer", role=MANAGER, agency=agency,
                     email="peer@example.org")
    practitioner = make_user(username="pat", first_name="Pat", last_name="Practitioner", agency=agency,
                             line_manager=manager, email="pat@example.org")
    outsider = make_user(username="outsider", first_name="Olive", last_name="Outsider", role=MANAGER, agency=other,
                         email="outsider@example.org")
    outsider_practitioner = make_user(username="tom", first_name="Tom", last_name="Okafor", agency=other,
                                      email="tom@example.org")
    return People(agency, other, boss, manager, peer, practitioner, outsider, outsider_practitioner)


@pytest.fixture
def people(db) -> People:
    return make_people()


def client_for(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_from(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def ready_to_submit(user: User, outcome: str = "public_interest_share") -> Decision:
    """A complete draft, walked through the pages (CSRF is not what these helpers test).

    `outcome`: a key of tests/engine/walks.py WALKS (an outcome id) or EXTRA_WALKS (a named walk).
    """
    client = Client()
    client.force_login(user)
    return walk(client, ALL_WALKS[outcome][1:], start=ALL_WALKS[outcome][0].split(":")[1])


def submit(client: Client, decision: Decision, **extra):
    """Post the check page, as the practitioner's Record (or Submit again) button does."""
    url = f"/decisions/{decision.public_id}/check/"
    token = csrf_from(client, url)
    decision.refresh_from_db()
    return client.post(url, {"csrfmiddlewaretoken": token, "revision": decision.revision, **extra})


def submitted(user: User, outcome: str = "public_interest_share") -> Decision:
    decision = ready_to_submit(user, outcome)
    # An escalated question needs the date by which it will be decided.
    extra = {"escalation_review_date": "1 1 2099"} if outcome == "outcome_seek_advice" else {}
    response = submit(client_for(user), decision, **extra)
    assert response.status_code == 302, response.content.decode()[:3000]
    decision.refresh_from_db()
    return decision


def decide(client: Client, decision: Decision, action: str, reason: str = "Proportionate and necessary",
           *, htmx: bool = False, **extra):
    url = f"/approvals/{decision.public_id}/"
    token = csrf_from(client, url)
    decision.refresh_from_db()
    data = {"csrfmiddlewaretoken": token, "revision": decision.revision, "action": action, "reason": reason}
    if action == "not_approve":
        data["review_date"] = "1 1 2099"  # not approving asks when the decision not to share is reviewed
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, {**data, **extra}, headers=headers)


@pytest.fixture
def awaiting(people, clock):
    """A share without consent in the public interest (no serious harm), waiting for the manager
    before sharing: approve, return or do not approve."""
    return submitted(people.practitioner)


@pytest.fixture
def serious(people, clock):
    """A child at risk of significant harm, to be shared with a charity: waiting before sharing, and
    a "no" can only escalate."""
    return submitted(people.practitioner, "child_serious_harm_to_charity")


@pytest.fixture
def shared(people, clock):
    """A child at risk of significant harm referred to children's social care: shared at once,
    waiting for the manager's review after sharing."""
    return submitted(people.practitioner, "child_referral_after_sharing")


def assert_no_personal_details(message, decision: Decision, *people: User) -> None:
    text = f"{message.subject}\n{message.body}"
    assert decision.case_reference not in text
    assert "bruising" not in text and "child" not in text.lower()
    for person in people:
        for word in (person.first_name, person.last_name):
            assert word not in text, word
    assert f"/{decision.public_id}/" in text  # the link

