"""A recorded decision as the PDF tests need it: walked through the views, with a "not sure"
detour, submitted for approval, returned, answered, approved and amended."""

from __future__ import annotations

import pytest

from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from tests.decisions.helpers import walk
from tests.factories import make_agency, make_user

SHARE_WITH_ADVICE = [
    "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
    "consent_from_whom:child_under_16", "confidential:not_sure", "seek_advice:resolved", "confidential:yes",
    "consent_safe_to_ask:not_needed_to_protect", "harm_threshold:yes_child_significant_harm",
    "minimum_necessary:all_relevant", "recipient_check:yes_social_care", "secure_method:secure_email",
    "inform_person:will_inform",
]
RETURN_QUESTION = "Which school does the child attend?"
RETURN_ANSWER = "Hillside Primary, year 3."
APPROVAL_REASON = "Serious harm is likely; sharing with social care today is proportionate."
AMEND_REASON = "The recipient's team was misspelt"
AMEND_TEXT = "The recipient is the Duty and Assessment Team, not the Duty Team."


@pytest.fixture
def agency(db):
    return make_agency(name="Riverside Primary School", slug="riverside")


@pytest.fixture
def manager(agency):
    return make_user(username="mo", first_name="Morgan", last_name="Okafor", role=User.Role.LINE_MANAGER, agency=agency)


@pytest.fixture
def owner(agency, manager):
    return make_user(username="priya", first_name="Priya", last_name="Shah", agency=agency, line_manager=manager)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def lscb(db):
    return make_user(username="lscb", first_name="Lee", last_name="Board", role=User.Role.PARTNERSHIP, agency=make_agency())


def submit(client, decision: Decision) -> Decision:
    # Whatever the record asks for on this path (a review, an escalated question's date).
    details = {"review_owner": "Sam Lead", "review_date": "1 1 2099", "escalation_review_date": "1 1 2099"}
    response = client.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision, **details})
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    decision.refresh_from_db()
    return decision


@pytest.fixture
def recorded(owner_client, owner, manager) -> Decision:
    """Shared without consent after advice; returned once with a question, answered, approved, amended."""
    decision = submit(owner_client, walk(owner_client, SHARE_WITH_ADVICE))
    assert decision.status != Decision.Status.DRAFT
    history.record(decision, manager, DecisionEvent.Kind.RETURNED, question=RETURN_QUESTION)
    history.record(decision, owner, DecisionEvent.Kind.RETURN_ANSWERED, answer=RETURN_ANSWER)
    history.record(decision, owner, DecisionEvent.Kind.RESUBMITTED)
    history.record(decision, manager, DecisionEvent.Kind.APPROVED, reason=APPROVAL_REASON)
    history.amend(decision=decision, actor=owner, reason=AMEND_REASON, text=AMEND_TEXT)
    decision.refresh_from_db()
    return decision
