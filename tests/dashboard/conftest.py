"""A known partnership: two agencies, decisions walked through the real services, known times."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from isg.accounts.models import User
from isg.approvals import services as approvals
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.conftest import BrowserLikeClient
from tests.decisions.helpers import FIELD_VALUES
from tests.engine.walks import WALKS
from tests.factories import make_agency, make_decision, make_manager, make_user

HOUR = 3600


def at(year, month, day, hour=12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@dataclass
class World:
    users: dict
    decisions: dict


def client_for(user) -> Client:
    client = BrowserLikeClient()  # CSRF enforced, the token sent as the filter form sends it
    if user is not None:
        client.force_login(user)
    return client


def not_informing_walk(outcome: str) -> tuple[str, ...]:
    """The named walk, with the person not to be told (inform_person is its last step)."""
    walk = WALKS[outcome]
    assert walk[-1].startswith("inform_person:")
    return (*walk[:-1], "inform_person:not_informing")


def approve(decision: Decision, manager: User, *, hours: float) -> None:
    """Approve through the service, then set the approval to `hours` after submission (and request)."""
    decision.refresh_from_db()
    approvals.approve(decision, manager, "Proportionate and lawful", decision.revision)
    Approval.objects.filter(decision=decision).update(
        requested_at=decision.submitted_at, decided_at=decision.submitted_at + datetime.timedelta(hours=hours))


@pytest.fixture
def world(db, monkeypatch) -> World:
    return build_world(monkeypatch)


def build_world(monkeypatch) -> World:
    """Eleven submitted decisions and a draft; `monkeypatch` adds two walks and a field value for the run."""
    north, south = make_agency(name="North", slug="north"), make_agency(name="South", slug="south")
    pat = make_user(username="pat", agency=north)
    pat2 = make_user(username="pat2", agency=south)
    manager = make_manager(username="manager", agency=north, reports=[pat])
    manager2 = make_manager(username="manager2", agency=south, reports=[pat2])
    users = {
        "pat": pat, "pat2": pat2, "manager": manager, "manager2": manager2,
        "lscb": make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None),
        "trainer": make_user(username="trainer", role=User.Role.TRAINER, agency=None),
        "admin": make_user(username="admin", role=User.Role.ADMIN, agency=None, is_staff=True),
    }
    monkeypatch.setitem(WALKS, "consent_not_informing", not_informing_walk("outcome_share_with_consent"))
    monkeypatch.setitem(WALKS, "limited_not_informing", not_informing_walk("outcome_share_limited"))

    def made(owner, outcome, ref, **kw):
        return make_decision(owner, outcome, submit=True, case_reference=ref, **kw)

    d = {
        # North: three shares with consent (one with the person not told: it increases the risk),
        # two limited shares (approved after 1 and 3 hours), one do-not-share.
        "consent1": made(pat, "outcome_share_with_consent", "N-1"),
        "consent2": made(pat, "outcome_share_with_consent", "N-2"),
        "consent_untold": made(pat, "consent_not_informing", "N-3"),
        "limited1": made(pat, "outcome_share_limited", "N-4"),
        "limited2": made(pat, "outcome_share_limited", "N-5"),
        "no_share": made(pat, "outcome_do_not_share", "N-6"),
        # South: an overdue emergency share, an on-time one, two shares without consent approved after
        # 2 and 10 hours, a limited share approved after 4 hours, with the person not told: they
        # cannot be contacted.
        "emergency_late": made(pat2, "outcome_emergency_share", "S-1"),
        "emergency_ok": made(pat2, "outcome_emergency_share", "S-2"),
        "serious1": made(pat2, "outcome_share_without_consent", "S-3"),
        "serious2": made(pat2, "outcome_share_without_consent", "S-4"),
    }
    monkeypatch.setitem(FIELD_VALUES, "not_informing_reason", "cannot_contact")
    d["limited_untold"] = made(pat2, "limited_not_informing", "S-5")
    # A draft never counts.
    d["draft"] = make_decision(pat, "outcome_share_with_consent", case_reference="N-DRAFT", upto=3)

    months = {  # January: 4, February: 3, March: none, April: 4
        "consent1": at(2026, 1, 5), "consent2": at(2026, 1, 6), "consent_untold": at(2026, 1, 7),
        "limited1": at(2026, 1, 8), "limited2": at(2026, 2, 2), "no_share": at(2026, 2, 3),
        "emergency_late": at(2026, 2, 4), "emergency_ok": at(2026, 4, 1), "serious1": at(2026, 4, 2),
        "serious2": at(2026, 4, 3), "limited_untold": at(2026, 4, 4),
    }
    for name, when in months.items():
        Decision.objects.filter(pk=d[name].pk).update(submitted_at=when)
    for name, who, hours in [("limited1", manager, 1), ("limited2", manager, 3), ("serious1", manager2, 2),
                             ("serious2", manager2, 10), ("limited_untold", manager2, 4)]:
        approve(d[name], who, hours=hours)
    Approval.objects.filter(decision=d["emergency_late"]).update(due_at=at(2026, 2, 5))
    Approval.objects.filter(decision=d["emergency_ok"]).update(due_at=timezone.now() + datetime.timedelta(hours=20))
    for decision in d.values():
        decision.refresh_from_db()
    return World(users=users, decisions=d)
