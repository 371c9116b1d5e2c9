"""Opening and completing follow-ups: each on the decision's history (and so its audit chain)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent

from .models import FollowUp

Kind = DecisionEvent.Kind


class AlreadyCompleted(Exception):
    """Someone completed this follow-up first (another tab, or a colleague)."""


class NotYours(Exception):
    """Only the follow-up's owner completes it."""


def data_protection_officer_for(decision: Decision) -> User | None:
    """The agency's data protection officer; else one who serves every agency (no agency set)."""
    officers = User.objects.filter(role=User.Role.DATA_PROTECTION_OFFICER, is_active=True)
    return (officers.filter(agency_id=decision.agency_id).order_by("pk").first()
            or officers.filter(agency__isnull=True).order_by("pk").first())


def _open(decision: Decision, actor: User, kind: str, *, owner: User | None, due_at: datetime.datetime,
          description: str = "") -> FollowUp:
    follow_up = FollowUp.objects.create(
        decision=decision, kind=kind, owner=owner, due_at=due_at, created_by=actor, description=description,
    )
    history.record(
        decision, actor, Kind.FOLLOW_UP_OPENED, follow_up=follow_up.pk, follow_up_kind=kind,
        owner=owner.display_name if owner else "", due_at=due_at.isoformat(),
    )
    return follow_up


def open_breach_assessment(decision: Decision, actor: User, *, lessons: str) -> FollowUp:
    """An approver disagreed after sharing: the data protection officer assesses a possible breach
    (UK GDPR Article 33: 72 hours), asks the recipient to delete what went beyond need, and the
    lessons are recorded. The share itself stands: a referral is never withdrawn."""
    officer = data_protection_officer_for(decision)
    due_at = timezone.now() + datetime.timedelta(hours=settings.ISG_BREACH_ASSESSMENT_HOURS)
    follow_up = _open(
        decision, actor, FollowUp.Kind.BREACH_ASSESSMENT, owner=officer, due_at=due_at,
        description=("Assess whether sharing beyond what was needed is a personal data breach to report to the "
                     "ICO within 72 hours; ask the recipient to delete anything beyond what was needed. "
                     f"The reviewer's lessons: {lessons}"),
    )
    if officer is not None:
        from isg.approvals import tasks

        tasks.send_notification.enqueue("breach_assessment", officer.pk, str(decision.public_id))
    return follow_up


def open_review(decision: Decision, actor: User, *, owner: User, description: str,
                due_on: datetime.date) -> FollowUp:
    """A decision not to share that must be reviewed: by whom (in words) and by when."""
    due_at = datetime.datetime.combine(due_on, datetime.time(17, 0), tzinfo=timezone.get_current_timezone())
    return _open(decision, actor, FollowUp.Kind.REVIEW, owner=owner, due_at=due_at,
                 description=description or "Review the decision not to share.")


def open_reconsider_telling(decision: Decision, actor: User, *, owner: User, due_on: datetime.date,
                            description: str = "") -> FollowUp:
    """The person was not told what was shared: the owner reconsiders telling them by `due_on`."""
    due_at = datetime.datetime.combine(due_on, datetime.time(17, 0), tzinfo=timezone.get_current_timezone())
    return _open(decision, actor, FollowUp.Kind.RECONSIDER_TELLING, owner=owner, due_at=due_at,
                 description=description or "Reconsider telling the person what was shared. Once the reason no "
                                            "longer applies, tell them.")


def complete(follow_up: FollowUp, actor: User, *, note: str) -> FollowUp:
    """Record that it is done, by whom and when, with what they found. Once only."""
    if follow_up.owner_id is not None and follow_up.owner_id != actor.pk:
        raise NotYours(follow_up.pk)
    now = timezone.now()
    with transaction.atomic():
        updated = FollowUp.objects.filter(pk=follow_up.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, completion_note=note,
        )
        if not updated:
            raise AlreadyCompleted(follow_up.pk)
        history.record(follow_up.decision, actor, Kind.FOLLOW_UP_COMPLETED, follow_up=follow_up.pk,
                       follow_up_kind=follow_up.kind, note=note)
    follow_up.refresh_from_db()
    return follow_up
