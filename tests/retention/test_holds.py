"""Retention never anonymises a decision under a legal hold, nor one still open (waiting for
approval or review, returned, escalated, or with a follow-up not done); the hold is placed and
released by a data protection officer or administrator, on the audit chain."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.followups.models import FollowUp
from isg.retention import holds, services
from isg.retention.models import LegalHold
from tests.factories import make_user

from .conftest import CANARY, everything_about

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cases):
    return make_user(username="dpo", role="data_protection_officer", agency=cases.owner.agency)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_a_held_decision_keeps_its_words_until_the_hold_is_released(cases, officer):
    held = cases.not_shared_old
    run("hold", str(held.public_id), "--by", "dpo", "--reason", "litigation")
    output = run("apply")
    assert "anonymised 1 decisions" in output and "1 kept under a legal hold" in output
    assert CANARY in everything_about(held)
    assert Decision.objects.get(pk=held.pk).case_reference == held.case_reference
    assert CANARY not in everything_about(cases.approved_old)  # the other one went as usual

    run("release", str(held.public_id), "--by", "dpo")
    assert "anonymised 1 decisions" in run("apply")
    assert CANARY not in everything_about(held)


def test_placing_and_releasing_are_audited_with_codes_only(cases, officer):
    decision = cases.not_shared_old
    hold = holds.place(decision, officer, reason="regulator")
    holds.release(decision, officer)
    events = AuditEvent.objects.for_subject("decision", str(decision.public_id)).filter(
        action__in=["legal_hold_placed", "legal_hold_released"]).order_by("seq")
    assert [(e.action, e.actor_id, e.payload) for e in events] == [
        ("legal_hold_placed", officer.pk, {"hold": hold.pk, "reason": "regulator"}),
        ("legal_hold_released", officer.pk, {"hold": hold.pk, "reason": "regulator"}),
    ]
    hold.refresh_from_db()
    assert hold.released_by == officer and hold.released_at is not None


@pytest.mark.parametrize("role", ["practitioner", "line_manager"])
def test_only_an_officer_or_administrator_may_hold(cases, role):
    make_user(username="someone", role=role, agency=cases.owner.agency)
    with pytest.raises(CommandError, match="only a data protection officer or an administrator"):
        run("hold", str(cases.not_shared_old.public_id), "--by", "someone", "--reason", "litigation")
    assert not LegalHold.objects.exists()
    assert not AuditEvent.objects.filter(action="legal_hold_placed").exists()


def test_an_administrator_may_hold_and_the_list_shows_it(cases):
    make_user(username="admin1", role="admin")
    run("hold", str(cases.not_shared_old.public_id), "--by", "admin1", "--reason", "subject_access")
    assert f"{cases.not_shared_old.public_id} subject_access since" in run("holds")


def test_mistakes_are_refused_plainly(cases, officer):
    decision = str(cases.not_shared_old.public_id)
    with pytest.raises(CommandError, match="no decision"):
        run("hold", "not-a-uuid", "--by", "dpo", "--reason", "litigation")
    with pytest.raises(CommandError, match="no user"):
        run("hold", decision, "--by", "nobody", "--reason", "litigation")
    with pytest.raises(CommandError, match="not under a legal hold"):
        run("release", decision, "--by", "dpo")
    run("hold", decision, "--by", "dpo", "--reason", "litigation")
    with pytest.raises(CommandError, match="already under a legal hold"):
        run("hold", decision, "--by", "dpo", "--reason", "inquiry")
    assert LegalHold.objects.in_force().count() == 1


@pytest.mark.parametrize("status", [
    Decision.Status.AWAITING_APPROVAL, Decision.Status.AWAITING_REVIEW, Decision.Status.RETURNED,
    Decision.Status.ESCALATED,
])
def test_a_decision_still_waiting_on_someone_is_never_anonymised(cases, status):
    Decision.objects.filter(pk=cases.not_shared_old.pk).update(status=status)
    output = run("apply")
    assert "1 kept because still open" in output
    assert CANARY in everything_about(cases.not_shared_old)


def test_a_decision_with_a_follow_up_not_done_is_never_anonymised(cases):
    decision = cases.not_shared_old
    task = FollowUp.objects.create(decision=decision, kind=FollowUp.Kind.REVIEW, owner=cases.owner,
                                   created_by=cases.owner, due_at=timezone.now() + datetime.timedelta(days=3),
                                   description=f"{CANARY} ring the school")
    assert "1 kept because still open" in run("apply", "--dry-run")
    run("apply")
    assert CANARY in everything_about(decision)
    FollowUp.objects.filter(pk=task.pk).update(completed_at=timezone.now(), completed_by=cases.owner)
    run("apply")
    assert CANARY not in everything_about(decision)  # its follow-ups' words too
    task.refresh_from_db()
    assert task.description == "" and task.completion_note == ""


def test_a_hold_placed_after_it_was_found_due_still_wins(cases, officer):
    decision = cases.not_shared_old
    [(found, rule, until)] = [d for d in services.due() if d[0].pk == decision.pk]
    holds.place(decision, officer, reason="complaint")
    assert services.anonymise(found, rule, until, now=timezone.now()) is None
    assert CANARY in everything_about(decision)
