"""The register tests' world: two agencies, their people, and decisions on fixed dates."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from isg.accounts.models import User
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.factories import make_agency, make_decision, make_manager, make_user


def at(year, month, day, hour=12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture
def world(db):
    north, south = make_agency(name="North", slug="north"), make_agency(name="South", slug="south")
    pat = make_user(username="pat", agency=north)
    pat2 = make_user(username="pat2", agency=south)
    users = {
        "pat": pat, "pat2": pat2,
        "manager": make_manager(username="manager", agency=north, reports=[pat]),
        "manager2": make_manager(username="manager2", agency=south, reports=[pat2]),
        "lscb": make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None),
        "trainer": make_user(username="trainer", role=User.Role.TRAINER, agency=None),
        "admin": make_user(username="admin", role=User.Role.ADMIN, agency=None, is_staff=True),
    }
    d = {
        "consent": make_decision(pat, "outcome_share_with_consent", submit=True, case_reference="NORTH-1",
                                 text="The parents agreed after the zebrafish meeting"),
        "refused": make_decision(pat, "outcome_share_limited", submit=True, case_reference="NORTH-2"),
        "emergency": make_decision(pat2, "outcome_emergency_share", submit=True, case_reference="SOUTH-1"),
        "serious": make_decision(pat2, "outcome_share_without_consent", submit=True, case_reference="SOUTH-2"),
        "draft": make_decision(pat, "outcome_share_with_consent", case_reference="NORTH-DRAFT", upto=3),
    }
    dates = {"consent": at(2026, 1, 10), "refused": at(2026, 2, 10), "emergency": at(2026, 3, 10),
             "serious": at(2026, 4, 10)}
    for name, when in dates.items():
        Decision.objects.filter(pk=d[name].pk).update(submitted_at=when)
    # The emergency share's retrospective approval is long past due.
    Approval.objects.filter(decision=d["emergency"]).update(due_at=at(2026, 3, 11))
    return users, d
