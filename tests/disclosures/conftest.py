"""People, a directory and decisions at each stage, for the disclosures tests."""

from __future__ import annotations

import datetime
import uuid

import pytest

from isg.approvals import services as approvals
from isg.directory.models import Organisation
from tests.approvals.conftest import People, make_people
from tests.factories import make_decision
from tests.records.conftest import agency, manager, owner, owner_client, recorded  # noqa: F401 (the PDF tests' decision)

__all__ = ["People"]


@pytest.fixture
def people(db) -> People:
    return make_people()


@pytest.fixture
def social_care(db) -> Organisation:
    return Organisation.objects.create(name="Bath Children's Social Care", kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE)


@pytest.fixture
def shared(people, clock):
    """A child at risk of significant harm referred to children's social care: shared at once, reviewed after."""
    decision = make_decision(people.practitioner, "child_referral_after_sharing", submit=True)
    clock.advance(hours=1)  # the share is recorded an hour after the decision was made
    return decision


@pytest.fixture
def waiting(people, clock):
    """Serious harm to a child, shared with a charity: it waits for approval before sharing."""
    decision = make_decision(people.practitioner, "child_serious_harm_to_charity", submit=True)
    clock.advance(hours=1)
    return decision


@pytest.fixture
def approved(people, waiting):
    approvals.approve(waiting, people.manager, "Proportionate", waiting.revision)
    waiting.refresh_from_db()
    return waiting


def share_values(organisation, **overrides) -> dict:
    from django.utils import timezone

    values = {
        "token": uuid.uuid4(), "shared_at": timezone.now() - datetime.timedelta(minutes=5),
        "organisation": organisation, "recipient_name": "", "recipient_person": "Duty social worker",
        "method": "secure_email", "what_shared": "Dates and description of the bruising",
        "withheld": "Her school reports", "receipt_confirmed": True,
    }
    values.update(overrides)
    return values
