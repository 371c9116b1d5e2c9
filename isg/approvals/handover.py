"""Handing on the approvals waiting for someone who can no longer act on them.

    hand_over_waiting(user, reason="deactivated", actor=admin)   # switched off, away, no longer a manager
    start_due_away_periods(today)                                 # daily: everyone whose away period has begun
    hand_to(decision, actor, to, reason, revision)                # one item, by a manager, with a reason

Every approval whose decision is still waiting (awaiting approval, awaiting review after sharing, or
escalated and still open) and that is routed to `user` (its approver, or the manager an overdue one was escalated to) goes to:

1. their deputy, if active, a line manager and not away;
2. else their own line manager, on the same terms;
3. else nobody in particular: the agency's queue, which any line manager of the decision's agency
   may take (the email then goes to the least-loaded of them, as on submission).

Never to the decision's own author, nor to anyone who sent it up by not agreeing. Each move is one conditional UPDATE (it lands only if the
approval is still routed to `user` and still waiting, so a decision approved meanwhile or a second
run changes nothing), a `handed_over` event in the decision's history (so on the audit chain) and
an email to the new approver, queued in the same transaction (isg/approvals/tasks.py).

Called when the People pages (isg/accounts/people.py, away.py) say a manager stops holding approvals
(the accounts' `stops_holding_approvals` signal, answered in signals.py); the approvals app may call it too.

`hand_to` is the manager's own hand-over of one waiting item (the current approver, the
practitioner's line manager, or the agency's designated safeguarding lead): to another line manager of the agency who may take it, with a reason.
It moves the decision's revision from the one the manager saw, as an approver's answer does, so a
hand-over racing an approval has exactly one winner and the loser is told it changed.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from isg.accounts.away import sync_away_flags
from isg.accounts.models import AwayPeriod, User
from isg.decisions import history, lifecycle
from isg.decisions.models import WAITING_STATUSES, Decision, DecisionEvent
from isg.decisions.services import StaleDecision

from . import tasks
from .models import Approval

WAITING = lifecycle.WITH_AN_APPROVER
# The email each waiting status gets (isg/approvals/tasks.py MESSAGES); an overdue escalation gets "overdue".
MAIL_KIND = {
    Decision.Status.AWAITING_APPROVAL: "submitted",
    Decision.Status.AWAITING_REVIEW: "review",
    Decision.Status.ESCALATED: "escalated",
}
Reason = Literal["deactivated", "away", "role_changed", "agency_changed"]
WHY = {
    "deactivated": "their account was switched off",
    "away": "they are away",
    "role_changed": "they are no longer a line manager",
    "agency_changed": "they moved to another agency",
}
ROUTED = {
    Approval.RoutedBy.DEPUTY: "their deputy",
    Approval.RoutedBy.LINE_MANAGER: "their line manager",
    Approval.RoutedBy.AGENCY: "the agency's queue",
    Approval.RoutedBy.HANDED_OVER: "handed over by a manager",
}


class CannotHandOver(Exception):
    """The chosen person may not take this item (away, not a line manager of the agency, its author,
    someone who sent it up, or already holding it). The message says which, in words."""


def hand_over_waiting(user: User, *, reason: Reason, actor: User) -> int:
    """Hand on every waiting approval routed or escalated to `user`; returns how many moved.

    `actor` is who caused it (the administrator, the person who set the away period); the history
    names them. Joins the caller's transaction, else runs in its own. Idempotent.
    """
    if reason not in WHY:
        raise ValueError(f"unknown reason {reason!r}")
    today = timezone.localdate()
    moved = 0
    with transaction.atomic():
        waiting = (
            Approval.objects.filter(Q(approver=user) | Q(escalated_to=user), decision__status__in=WAITING)
            .select_related("decision", "decision__owner").order_by("pk")
        )
        for approval in waiting:
            if approval.approver_id == user.pk:
                moved += _move(approval, user, "approver", reason, actor, today)
            if approval.escalated_to_id == user.pk:
                moved += _move(approval, user, "escalated_to", reason, actor, today)
    return moved


def successor(user: User, decision: Decision, today: datetime.date | None = None, *,
              passed_over: tuple[int | None, ...] = ()) -> tuple[User | None, str]:
    """Who takes `user`'s approval of `decision`, and how they were chosen (an Approval.RoutedBy value).

    `passed_over`: others who may not take it (an overdue escalation never goes to the approver it is
    overdue with)."""
    today = today or timezone.localdate()
    deputy = user.deputy if user.deputy_id else None
    if _can_take(deputy, user, decision, today) and deputy.pk not in passed_over:
        return deputy, Approval.RoutedBy.DEPUTY
    manager = user.line_manager if user.line_manager_id else None
    if _can_take(manager, user, decision, today) and manager.pk not in passed_over:
        return manager, Approval.RoutedBy.LINE_MANAGER
    return None, Approval.RoutedBy.AGENCY


def start_due_away_periods(today: datetime.date | None = None) -> int:
    """The daily step for away periods; returns how many approvals were handed over.

    Sets every `User.is_away` from the periods for `today` (audited when it changes), then hands on
    the approvals still waiting for anyone whose period covers today: those whose period starts
    today, and any a missed day left behind. Running it again the same day changes nothing.
    """
    today = today or timezone.localdate()
    sync_away_flags(today)
    moved = 0
    periods = AwayPeriod.objects.covering(today).select_related("user", "set_by").order_by("user_id", "pk")
    done: set[int] = set()
    for period in periods:
        if period.user_id in done:
            continue
        done.add(period.user_id)
        routed = Approval.objects.filter(Q(approver=period.user) | Q(escalated_to=period.user),
                                         decision__status__in=WAITING)
        if routed.exists():
            moved += hand_over_waiting(period.user, reason="away", actor=period.set_by or period.user)
    return moved


def _can_take(candidate: User | None, user: User, decision: Decision, today: datetime.date) -> bool:
    return (
        candidate is not None and candidate.pk not in (user.pk, decision.owner_id) and candidate.is_active
        and candidate.role == User.Role.LINE_MANAGER and not candidate.is_away and not candidate.is_away_on(today)
    )


def _move(approval: Approval, user: User, field: str, reason: Reason, actor: User, today: datetime.date) -> int:
    decision = approval.decision
    # Never back to someone who sent it up by not agreeing; an overdue escalation never to its approver.
    passed_over = tuple(decision.events.filter(kind=DecisionEvent.Kind.REFERRED_UP).values_list("actor_id", flat=True))
    if field == "escalated_to":
        passed_over += (approval.approver_id,)
    new, routed_by = successor(user, decision, today, passed_over=passed_over)
    changes = {field: new} | ({"routed_by": routed_by} if field == "approver" else {})
    updated = Approval.objects.filter(**{"pk": approval.pk, field: user}, decision__status__in=WAITING).update(**changes)
    if not updated:
        return 0
    to_words = f"{new.display_name}, {ROUTED[routed_by]}" if new is not None else ROUTED[routed_by]
    history.record(
        decision, actor, DecisionEvent.Kind.HANDED_OVER,
        handed_over_from=user.pk, handed_over_to=new.pk if new is not None else None, routed_by=routed_by,
        role=field, why=reason,
        note=f"From {user.display_name} to {to_words}: {WHY[reason]}.",
    )
    recipient = new if new is not None else _least_loaded(decision)
    if recipient is not None:
        kind = "overdue" if field == "escalated_to" else MAIL_KIND[decision.status]
        tasks.send_notification.enqueue(kind, recipient.pk, str(decision.public_id))
    return 1


def _least_loaded(decision: Decision) -> User | None:
    from .services import agency_managers

    managers = agency_managers(decision.owner)
    return managers[0] if managers else None


def eligible_approvers(decision: Decision, today: datetime.date | None = None) -> list[User]:
    """Who may be handed this waiting item: active line managers of its agency who are not away,
    never its author, its current approver, or anyone who sent it up by not agreeing."""
    today = today or timezone.localdate()
    excluded = {decision.owner_id, *_referred_up(decision)}
    current = Approval.objects.filter(decision=decision).values_list("approver_id", flat=True).first()
    excluded.add(current)
    managers = User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True, agency_id=decision.agency_id,
                                   is_away=False).exclude(pk__in=[pk for pk in excluded if pk is not None])
    return [m for m in managers.order_by("last_name", "first_name", "username") if not m.is_away_on(today)]


def hand_to(decision: Decision, actor: User, to: User, reason: str, revision: int) -> Approval:
    """Hand one waiting item to `to`, with the manager's reason; returns the approval as it now is.

    Raises StaleDecision when the decision changed since the manager saw it (approved, returned,
    escalated or handed over meanwhile) and CannotHandOver when `to` may not take it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CannotHandOver("Enter why you are handing it over")
    with transaction.atomic():
        # The approval row first, then the decision: the order an approver's answer takes them
        # (services.decide), so a hand-over racing an answer waits for it instead of deadlocking.
        approval = Approval.objects.select_for_update(of=("self",)).select_related("approver").get(decision=decision)
        moved = Decision.objects.filter(pk=decision.pk, status__in=WAITING_STATUSES, revision=revision).update(
            revision=F("revision") + 1, updated_at=timezone.now(),
        )
        if not moved:
            raise StaleDecision(decision.public_id)
        decision.revision = revision + 1
        if to.pk not in {m.pk for m in eligible_approvers(decision)}:
            raise CannotHandOver(_why_not(decision, to, approval))
        previous = approval.approver
        Approval.objects.filter(pk=approval.pk).update(approver=to, routed_by=Approval.RoutedBy.HANDED_OVER)
        approval.approver, approval.routed_by = to, Approval.RoutedBy.HANDED_OVER
        from_words = previous.display_name if previous is not None else "the agency's queue"
        history.record(
            decision, actor, DecisionEvent.Kind.HANDED_OVER,
            handed_over_from=previous.pk if previous is not None else None, handed_over_to=to.pk,
            routed_by=Approval.RoutedBy.HANDED_OVER, role="approver", why="handed_over", reason=reason,
            note=f"From {from_words} to {to.display_name}, handed over by {actor.display_name}.",
        )
        tasks.send_notification.enqueue(MAIL_KIND[decision.status], to.pk, str(decision.public_id))
    return approval


def _referred_up(decision: Decision) -> list[int]:
    return list(decision.events.filter(kind=DecisionEvent.Kind.REFERRED_UP).values_list("actor_id", flat=True))


def _why_not(decision: Decision, to: User, approval: Approval) -> str:
    name = to.display_name
    if to.pk == decision.owner_id:
        return f"{name} made this decision: they cannot approve it"
    if to.pk == approval.approver_id:
        return f"It is already with {name}"
    if to.pk in _referred_up(decision):
        return f"{name} sent it up by not agreeing: it does not go back to them"
    if not to.is_active or to.role != User.Role.LINE_MANAGER or to.agency_id != decision.agency_id:
        return f"{name} is not a line manager of this decision's agency"
    return f"{name} is away: choose someone who is here"
