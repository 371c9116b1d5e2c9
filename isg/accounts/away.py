"""Away periods: a line manager away on leave or absent, so their approvals go to somebody else.

An administrator sets one from the person's page, or a manager from "Your account". While a
period covers today:

- `User.is_away` is true: the column approvals routing reads (isg/approvals/services.py), kept in
  step here when a period is added or ended, and every day by
  `isg.approvals.handover.start_due_away_periods` (run it from a daily timer until the housekeeping
  scheduler does: `manage.py away start-due`);
- approvals already waiting for them are handed over (isg/approvals/handover.py, through the signal
  in signals.py): to their deputy, else their own line manager, else their agency's queue. Ending a
  period early does not take them back.

On the audit chain: `away_period_added` and `away_period_ended` (the period's id and dates, never
its reason), and `away_began` / `away_over` when the flag changes.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.lib.text import validate_one_line_plain_text

from .models import AwayPeriod, User
from .signals import hand_over_approvals

SUBJECT_TYPE = "user"
REASON_MAX_LENGTH = AwayPeriod._meta.get_field("reason").max_length


def away_period_add(
    *, user: User, starts_on: datetime.date, ends_on: datetime.date | None, reason: str, set_by: User,
    today: datetime.date | None = None,
) -> AwayPeriod:
    """Record that `user` (a line manager) is away from `starts_on` to `ends_on` (None: not known yet).

    Raises ValidationError keyed "starts_on", "ends_on" or "reason" (or not keyed, for the person).
    A period that covers today takes effect at once: their waiting approvals are handed over.
    """
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    _check(user, starts_on, ends_on, reason, today)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one change to their periods at a time
        _check_overlap(user, starts_on, ends_on, today)
        period = AwayPeriod.objects.create(user=user, starts_on=starts_on, ends_on=ends_on, reason=reason, set_by=set_by)
        audit.append(actor=set_by, action=AuditEvent.Action.AWAY_PERIOD_ADDED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={
                         "period": period.pk, "starts_on": starts_on.isoformat(),
                         "ends_on": ends_on.isoformat() if ends_on else None, "by": _by(user, set_by),
                     })
        now_away = sync_away_flag(user, today=today, actor=set_by)
        if now_away:
            hand_over_approvals(user, reason="away", actor=set_by)
    return period


def away_period_end(*, period: AwayPeriod, ended_by: User, today: datetime.date | None = None) -> AwayPeriod:
    """End a period today (they are back), or call off one that has not started. Raises ValidationError
    if it is already over."""
    today = today or timezone.localdate()
    with transaction.atomic():
        period = AwayPeriod.objects.select_for_update().select_related("user").get(pk=period.pk)
        last_day = period.last_day
        if (last_day is not None and last_day < today) or (period.ended_on and period.ended_on <= period.starts_on):
            raise ValidationError("This away period is already over.", code="over")
        period.ended_on = max(today, period.starts_on)  # the first day back; on the start day: called off
        period.ended_by = ended_by
        period.save(update_fields=["ended_on", "ended_by"])
        audit.append(actor=ended_by, action=AuditEvent.Action.AWAY_PERIOD_ENDED, subject_type=SUBJECT_TYPE,
                     subject_id=str(period.user_id), payload={
                         "period": period.pk, "ended_on": period.ended_on.isoformat(),
                         "by": _by(period.user, ended_by),
                     })
        sync_away_flag(period.user, today=today, actor=ended_by)
    return period


def sync_away_flag(user: User, *, today: datetime.date, actor: User | None) -> bool:
    """Set `user.is_away` from their periods for `today`, auditing a change; returns whether they are away."""
    away = user.is_away_on(today)
    changed = User.objects.filter(pk=user.pk).exclude(is_away=away).update(is_away=away)
    user.is_away = away
    if changed:
        action = AuditEvent.Action.AWAY_BEGAN if away else AuditEvent.Action.AWAY_OVER
        audit.append(actor=actor, action=action, subject_type=SUBJECT_TYPE, subject_id=str(user.pk),
                     payload={"on": today.isoformat()})
    return away


def sync_away_flags(today: datetime.date) -> tuple[list[int], list[int]]:
    """Set every `is_away` from the periods for `today`; returns (ids now away, ids now back). Idempotent."""
    away = set(AwayPeriod.objects.covering(today).values_list("user_id", flat=True))
    flagged = set(User.objects.filter(is_away=True).values_list("pk", flat=True))
    began, over = sorted(away - flagged), sorted(flagged - away)
    for user in User.objects.filter(pk__in=[*began, *over]).order_by("pk"):
        with transaction.atomic():
            sync_away_flag(user, today=today, actor=None)
    return began, over


def _by(user: User, actor: User) -> str:
    return "self" if user.pk == actor.pk else "admin"


def _check(user: User, starts_on, ends_on, reason: str, today: datetime.date) -> None:
    if user.role != User.Role.LINE_MANAGER or not user.is_active:
        raise ValidationError("Away periods are for active line managers: their approvals go to someone else "
                              "while they are away.", code="not_a_manager")
    errors: dict[str, list[str]] = {}
    if starts_on is None:
        errors["starts_on"] = ["Enter the first day they are away"]
    elif starts_on < today:
        errors["starts_on"] = ["The first day away must be today or later"]
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = ["The last day away must be the same as or after the first day"]
    if len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [f"The reason must be {REASON_MAX_LENGTH} characters or fewer"]
    else:
        try:
            validate_one_line_plain_text(reason)
        except ValidationError as error:
            errors["reason"] = error.messages
    if errors:
        raise ValidationError(errors)


def _check_overlap(user: User, starts_on: datetime.date, ends_on: datetime.date | None, today) -> None:
    overlapping = user.away_periods.current_or_coming(today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    clash = next((p for p in overlapping if p.last_day is None or p.last_day >= starts_on), None)
    if clash is not None:
        until = clash.last_day.strftime("%-d %B %Y") if clash.last_day else "a date not yet known"
        raise ValidationError({"starts_on": [
            f"They are already away from {clash.starts_on.strftime('%-d %B %Y')} to {until}: end that period "
            "first, or choose dates that do not overlap"]})
