"""Decisions of several outcomes, full of canary text, submitted years ago."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pytest
from django.db import models
from django.utils import timezone

from isg.approvals import services as approvals
from isg.approvals.submission import decision_submit
from isg.audit.models import AuditEvent
from isg.decisions import history
from isg.decisions import services as walk
from isg.decisions.models import Amendment, Decision, DecisionEvent
from isg.followups import services as followups
from isg.followups.models import FollowUp
from tests.factories import make_decision, make_manager, make_user

CANARY = "CANARY-Jamie-Smith-07700900123"
RECORD = {"review_owner": f"{CANARY} review owner", "review_date": "1 1 2099", "follow_up": f"{CANARY} follow-up"}


def submitted(owner, outcome: str, *, case_reference: str, years_ago: float, record: bool = True) -> Decision:
    decision = make_decision(owner, outcome, case_reference=case_reference, text=CANARY)
    if record:
        walk.decision_save_record(decision=decision, actor=owner, record=dict(RECORD), revision=decision.revision)
        decision.refresh_from_db()
    decision_submit(decision=decision, actor=owner, revision=decision.revision)
    close_follow_ups(decision)
    backdate(decision, years_ago)
    decision.refresh_from_db()
    return decision


def close_follow_ups(decision: Decision) -> None:
    """Done with: its follow-ups (the record's dates open them) completed, in words retention removes."""
    for task in FollowUp.objects.open().filter(decision=decision):
        followups.complete(task, task.owner, note=f"{CANARY} done: rang her mother")


def backdate(decision: Decision, years_ago: float) -> None:
    when = timezone.now() - datetime.timedelta(days=round(365.25 * years_ago))
    Decision.objects.filter(pk=decision.pk).update(submitted_at=when)


def everything_about(decision: Decision) -> str:
    """Every stored word about a decision: its row, history, amendments and audit entries."""
    decision = Decision.objects.get(pk=decision.pk)
    rows = {
        "decision": [decision.case_reference, decision.path, decision.record, decision.state],
        "events": list(models.QuerySet(DecisionEvent).filter(decision=decision).values_list("payload", flat=True)),
        "amendments": list(models.QuerySet(Amendment).filter(decision=decision).values_list("reason", "text")),
        "audit": list(AuditEvent.objects.for_subject("decision", str(decision.public_id)).values_list("payload", flat=True)),
        "follow_ups": list(FollowUp.objects.filter(decision=decision).values_list("description", "completion_note")),
    }
    return json.dumps(rows, ensure_ascii=False, default=str)


def snapshot() -> dict:
    """The rows retention may touch, as plain values, to compare before and after."""
    return {
        "decisions": list(Decision.objects.order_by("pk").values()),
        "events": list(models.QuerySet(DecisionEvent).order_by("pk").values()),
        "amendments": list(models.QuerySet(Amendment).order_by("pk").values()),
        "audit": list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
    }


@dataclass
class Cases:
    owner: object
    manager: object
    approved_old: Decision  # share without consent, approved and amended, 8 years ago: due (default 7)
    not_shared_old: Decision  # do not share, 3 years ago: due (2 years)
    consent_recent: Decision  # share with consent, 3 years ago: not due (default 7)
    not_shared_recent: Decision  # do not share, 1 year ago: not due


@pytest.fixture
def cases(db, settings) -> Cases:
    settings.ISG_RETENTION = {"default": 7, "outcome_do_not_share": 2}
    owner = make_user(username="pat", first_name="Pat", last_name="Practitioner")
    manager = make_manager(username="mags", reports=[owner], agency=owner.agency)
    owner.refresh_from_db()

    approved = submitted(owner, "outcome_share_without_consent", case_reference=f"{CANARY}-A", years_ago=0)
    approvals.approve(approved, manager, f"{CANARY} approved because", approved.revision)
    close_follow_ups(approved)  # approval opened telling the person
    approved.refresh_from_db()
    history.amend(decision=approved, actor=owner, reason=f"{CANARY} wrong date", text=f"{CANARY} the date was 2 March")
    backdate(approved, 8)
    approved.refresh_from_db()

    return Cases(
        owner=owner, manager=manager, approved_old=approved,
        not_shared_old=submitted(owner, "outcome_do_not_share", case_reference=f"{CANARY}-B", years_ago=3),
        consent_recent=submitted(owner, "outcome_share_with_consent", case_reference=f"{CANARY}-C", years_ago=3),
        not_shared_recent=submitted(owner, "outcome_do_not_share", case_reference=f"{CANARY}-D", years_ago=1),
    )
