"""Placing and releasing a legal hold on a decision (`manage.py retention hold|release|holds`).

Only a data protection officer or an administrator (role, or a superuser) may. Each is on the
audit chain (legal_hold_placed / legal_hold_released: subject the decision, payload the hold's id
and reason code). While a hold is in force, `retention apply` skips the decision and counts it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.accounts.models import User
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.decisions.models import Decision

from .models import LegalHold


class NotAllowed(Exception):
    """Only a data protection officer or an administrator places or releases a hold."""


class AlreadyHeld(Exception):
    pass


class NotHeld(Exception):
    pass


def may_hold(user: User) -> bool:
    return user.is_active and (
        user.is_superuser or user.role in (User.Role.DATA_PROTECTION_OFFICER, User.Role.ADMIN)
    )


def is_held(decision: Decision) -> bool:
    return LegalHold.objects.in_force().filter(decision=decision).exists()


def place(decision: Decision, actor: User, *, reason: str) -> LegalHold:
    if not may_hold(actor):
        raise NotAllowed(actor.pk)
    if reason not in LegalHold.Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(decision=decision, reason=reason, placed_by=actor, placed_at=timezone.now())
            audit.append(actor=actor, action=AuditEvent.Action.LEGAL_HOLD_PLACED, subject_type="decision",
                         subject_id=str(decision.public_id), payload={"hold": hold.pk, "reason": reason})
    except IntegrityError:
        raise AlreadyHeld(decision.public_id) from None
    return hold


def release(decision: Decision, actor: User) -> LegalHold:
    if not may_hold(actor):
        raise NotAllowed(actor.pk)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().in_force().filter(decision=decision).first()
        if hold is None:
            raise NotHeld(decision.public_id)
        hold.released_by, hold.released_at = actor, timezone.now()
        hold.save(update_fields=["released_by", "released_at"])
        audit.append(actor=actor, action=AuditEvent.Action.LEGAL_HOLD_RELEASED, subject_type="decision",
                     subject_id=str(decision.public_id), payload={"hold": hold.pk, "reason": hold.reason})
    return hold
