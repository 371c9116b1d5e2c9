"""The approval state machine: every change is one conditional UPDATE on (status, revision).

    awaiting_approval --approve--> approved
                      --return_for_information--> returned --answer_return, resubmit--> awaiting_approval
                      --not_approve--> not_approved
    escalated (outcome_seek_advice) --a follow-up decision on the same case--> resolved

Two approvers or two tabs acting at once: the UPDATE lands for one of them; the other finds no
row on the (status, revision) it saw and gets StaleDecision, which the views turn into a clear
message. Views never change state: they call these functions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import StaleDecision

from . import tasks
from .models import Approval

Status = Decision.Status
Kind = DecisionEvent.Kind

SEEK_ADVICE = "outcome_seek_advice"


class NotAllowed(Exception):
    """This person may not act on this decision (the requester, another agency, not a manager)."""


class ReasonRequired(ValueError):
    """Every approval action needs a reason, a question or an answer in words."""


class ReturnNotAnswered(Exception):
    """A returned decision goes back only once the approver's question has an answer."""


# -- routing ------------------------------------------------------------------------------------


def _available(user: User | None, requester: User) -> bool:
    return (
        user is not None and user.pk != requester.pk and user.is_active
        and user.role == User.Role.LINE_MANAGER and not getattr(user, "is_away", False)
    )


def route_approver(requester: User, *, exclude: tuple[int, ...] = ()) -> tuple[User | None, str]:
    """Who approves `requester`'s decision, and why them.

    Their line manager if set, active and not away; else that manager's deputy (active, not
    away); else None: any active, not-away line manager of the same agency may act, and the
    email goes to the one with the fewest open approvals. Never the requester, so a manager's
    own decision goes to their own manager.
    """
    manager = requester.line_manager
    if _available(manager, requester) and manager.pk not in exclude:
        return manager, Approval.RoutedBy.LINE_MANAGER
    deputy = getattr(manager, "deputy", None) if manager is not None else None
    if _available(deputy, requester) and deputy.pk not in exclude:
        return deputy, Approval.RoutedBy.DEPUTY
    return None, Approval.RoutedBy.AGENCY


def agency_managers(requester: User, *, exclude: tuple[int, ...] = ()) -> list[User]:
    """Active, not-away line managers of the requester's agency, fewest open approvals first."""
    if requester.agency_id is None:
        return []
    managers = User.objects.filter(
        agency_id=requester.agency_id, role=User.Role.LINE_MANAGER, is_active=True,
    ).exclude(pk__in=(requester.pk, *exclude))
    if hasattr(User, "is_away"):
        managers = managers.filter(is_away=False)
    open_statuses = [Status.AWAITING_APPROVAL, Status.ESCALATED]
    return list(managers.annotate(
        open_count=Count("approvals_routed", filter=Q(approvals_routed__decision__status__in=open_statuses)),
    ).order_by("open_count", "username"))


def _notify_approver(approval: Approval, requester: User) -> User | None:
    """The person the email goes to: the routed approver, or the least-loaded agency manager."""
    if approval.approver is not None:
        return approval.approver
    managers = agency_managers(requester)
    return managers[0] if managers else None


# -- submit (called by isg.decisions.services.decision_submit, inside its transaction) ----------


def submit_for_approval(decision: Decision, actor: User, *, resubmission: bool = False) -> Approval:
    """Route a decision that has just moved to awaiting_approval, and tell the approver.

    Retrospective (emergency) approvals get a due time; a task is queued for then to escalate
    the request if it is still waiting (`escalate_overdue` does the same sweep on demand).
    """
    now = timezone.now()
    approver, routed_by = route_approver(decision.owner)
    due_at = None
    if decision.is_emergency:
        # The clock runs from the first submission: returning the decision does not restart it.
        due_at = (decision.submitted_at or now) + datetime.timedelta(hours=settings.ISG_RETROSPECTIVE_APPROVAL_HOURS)
    fields = {
        "purpose": Approval.Purpose.APPROVAL, "approver": approver, "routed_by": routed_by,
        "requested_at": now, "due_at": due_at, "decided_at": None, "decided_by": None,
    }
    if not resubmission:
        fields.update(escalated_to=None, escalated_at=None)
    approval, _ = Approval.objects.update_or_create(decision=decision, defaults=fields)
    recipient = _notify_approver(approval, decision.owner)
    if recipient is not None:
        _mail(recipient, "resubmitted" if resubmission else "submitted", decision)
    if due_at is not None and approval.escalated_at is None:
        tasks.schedule_overdue_check(approval.pk, due_at)
    return approval


def open_escalation(decision: Decision, actor: User) -> Approval:
    """An unresolved decision (outcome_seek_advice) stays open, escalated to a manager.

    When the practitioner recorded that their manager did not agree and they remain concerned,
    it goes beyond that manager: to the manager's own manager, if the app knows one.
    """
    approver, routed_by = route_approver(decision.owner)
    if decision.state.get("approval") == "not_approved" and approver is not None:
        above, above_routed_by = route_approver(approver, exclude=(decision.owner_id,))
        if above is not None:
            approver, routed_by = above, above_routed_by
    approval, _ = Approval.objects.update_or_create(decision=decision, defaults={
        "purpose": Approval.Purpose.ESCALATION, "approver": approver, "routed_by": routed_by,
        "requested_at": decision.submitted_at or timezone.now(), "due_at": None,
        "escalated_to": None, "escalated_at": None, "decided_at": None, "decided_by": None,
    })
    _record(
        decision, actor, Kind.ESCALATED, escalated_to=approver.display_name if approver else "",
        routed_by=routed_by,
        review_date=decision.record.get("escalation_review_date") or decision.record.get("review_date", ""),
    )
    recipient = _notify_approver(approval, decision.owner)
    if recipient is not None:
        _mail(recipient, "escalated", decision)
    return approval


def resolve_followed(decision: Decision, actor: User) -> bool:
    """A follow-up decision on the same case with another outcome resolves an escalated one."""
    earlier = decision.follows
    if earlier is None or earlier.status != Status.ESCALATED or decision.status == Status.ESCALATED:
        return False
    if earlier.case_reference != decision.case_reference or earlier.owner_id != decision.owner_id:
        return False
    updated = Decision.objects.filter(pk=earlier.pk, status=Status.ESCALATED, revision=earlier.revision).update(
        status=Status.RESOLVED, revision=F("revision") + 1, updated_at=timezone.now(),
    )
    if not updated:
        return False
    earlier.status, earlier.revision = Status.RESOLVED, earlier.revision + 1
    Approval.objects.filter(decision=earlier).update(decided_at=timezone.now(), decided_by=actor)
    _record(earlier, actor, Kind.RESOLVED, resolved_by=str(decision.public_id), outcome=decision.outcome)
    return True


# -- the approver's actions ---------------------------------------------------------------------


def may_act(user: User, decision: Decision) -> bool:
    """The access table's `approve` (a manager who holds it, never its author), for a line manager."""
    from isg.access.services import may

    return user.is_authenticated and user.role == User.Role.LINE_MANAGER and may(user, decision, "approve")


def approve(decision: Decision, actor: User, reason: str, revision: int) -> Decision:
    return _decide(decision, actor, reason, revision, Status.APPROVED, Kind.APPROVED, "approved")


def not_approve(decision: Decision, actor: User, reason: str, revision: int) -> Decision:
    return _decide(decision, actor, reason, revision, Status.NOT_APPROVED, Kind.NOT_APPROVED, "not_approved")


def return_for_information(decision: Decision, actor: User, question: str, revision: int) -> Decision:
    """Send the decision back with a question; the practitioner answers, may change answers, resubmits."""
    question = _words(question, "Enter your question for the practitioner")
    _check_may_act(actor, decision)
    with transaction.atomic():
        _transition(decision, revision, Status.AWAITING_APPROVAL, Status.RETURNED)
        _record(decision, actor, Kind.RETURNED, question=question)
        _mail(decision.owner, "returned", decision)
    return decision


def answer_return(decision: Decision, actor: User, answer: str, revision: int) -> Decision:
    """The practitioner's reply to the approver's question. Kept in the history, never overwritten."""
    answer = _words(answer, "Enter your answer to the question")
    from isg.access.services import may

    if not may(actor, decision, "edit"):
        raise NotAllowed(decision.public_id)
    with transaction.atomic():
        # Bumps the revision while staying `returned`: a second tab's answer on the old page is stale.
        _transition(decision, revision, Status.RETURNED, Status.RETURNED)
        _record(decision, actor, Kind.RETURN_ANSWERED, answer=answer)
    return decision


def resubmit(decision: Decision, actor: User, revision: int) -> Decision:
    """Send a returned, answered decision back for approval (through the walk's submit)."""
    from isg.decisions.services import decision_submit

    return decision_submit(decision=decision, actor=actor, revision=revision)


def require_answered(decision: Decision) -> None:
    if pending_question(decision) is not None:
        raise ReturnNotAnswered(decision.public_id)


def escalate_overdue(now: datetime.datetime | None = None, *, approval_ids: list[int] | None = None) -> int:
    """Flag every retrospective approval still waiting past its due time and escalate it once.

    It goes to the approver's own manager (or that manager's deputy), who is emailed. Idempotent:
    the UPDATE only lands on a row not yet escalated, so a repeated sweep (or the scheduled task
    and the command together) escalates each request once. Returns how many it escalated.
    """
    now = now or timezone.now()
    due = Approval.objects.filter(
        due_at__lt=now, escalated_at__isnull=True, decision__status=Status.AWAITING_APPROVAL,
    ).select_related("decision", "decision__owner", "approver")
    if approval_ids is not None:
        due = due.filter(pk__in=approval_ids)
    count = 0
    for approval in due:
        decision = approval.decision
        target = _escalation_target(approval)
        with transaction.atomic():
            won = Approval.objects.filter(pk=approval.pk, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=target,
            )
            if not won:
                continue
            _record(
                decision, decision.owner if target is None else target, Kind.OVERDUE_ESCALATED,
                due_at=approval.due_at.isoformat(), escalated_to=target.display_name if target else "",
                system=True,
            )
            if target is not None:
                _mail(target, "overdue", decision)
        count += 1
    return count


def _escalation_target(approval: Approval) -> User | None:
    owner = approval.decision.owner
    approver = approval.approver or owner.line_manager
    if approver is None:
        return None
    target, _ = route_approver(approver, exclude=(owner.pk,))
    return target if target is not None and target.pk != owner.pk else None


# -- what the pages show -----------------------------------------------------------------------


def pending_question(decision: Decision) -> DecisionEvent | None:
    """The approver's latest question, if the decision is returned and it has no answer yet."""
    if decision.status != Status.RETURNED:
        return None
    last = decision.events.filter(kind__in=[Kind.RETURNED, Kind.RETURN_ANSWERED]).order_by("-id").first()
    return last if last is not None and last.kind == Kind.RETURNED else None


def approval_events(decision: Decision) -> list[DecisionEvent]:
    """Every submission, question, answer and decision, oldest first, with who and when."""
    kinds = [Kind.SUBMITTED, Kind.RESUBMITTED, Kind.RETURNED, Kind.RETURN_ANSWERED, Kind.APPROVED,
             Kind.NOT_APPROVED, Kind.OVERDUE_ESCALATED, Kind.ESCALATED, Kind.RESOLVED]
    return list(decision.events.filter(kind__in=kinds).select_related("actor").order_by("id"))


def queue_for(user: User, *, show: str = "all") -> list[Approval]:
    """A manager's queue: emergency and overdue first, then oldest first."""
    approvals = Approval.objects.for_manager(user).filter(decision__status=Status.AWAITING_APPROVAL)
    approvals = list(approvals.select_related("decision", "decision__owner", "approver", "escalated_to"))
    now = timezone.now()
    for approval in approvals:
        approval.overdue = approval.due_at is not None and approval.due_at < now
    if show == "urgent":
        approvals = [a for a in approvals if a.decision.is_emergency or a.overdue]
    approvals.sort(key=lambda a: (not a.overdue, not a.decision.is_emergency, a.requested_at))
    return approvals


def escalations_for(user: User) -> list[Approval]:
    """Open (escalated) decisions sent to this manager, oldest first."""
    return list(
        Approval.objects.for_manager(user).filter(decision__status=Status.ESCALATED)
        .select_related("decision", "decision__owner", "approver").order_by("requested_at")
    )


# -- internals ----------------------------------------------------------------------------------


def _decide(decision, actor, reason, revision, to_status, kind, mail_kind) -> Decision:
    reason = _words(reason, "Enter your reason")
    _check_may_act(actor, decision)
    now = timezone.now()
    with transaction.atomic():
        _transition(decision, revision, Status.AWAITING_APPROVAL, to_status)
        Approval.objects.filter(decision=decision).update(decided_at=now, decided_by=actor)
        _record(decision, actor, kind, reason=reason)
        _mail(decision.owner, mail_kind, decision)
    return decision


def _check_may_act(actor: User, decision: Decision) -> None:
    if not may_act(actor, decision):
        raise NotAllowed(decision.public_id)


def _words(text: Any, message: str) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ReasonRequired(message)
    return text


def _transition(decision: Decision, revision: int, from_status: str, to_status: str, **changes: Any) -> None:
    """The conditional UPDATE: it lands only on the status and revision the person saw."""
    updated = Decision.objects.filter(pk=decision.pk, status=from_status, revision=revision).update(
        status=to_status, revision=F("revision") + 1, updated_at=timezone.now(), **changes,
    )
    if not updated:
        raise StaleDecision(decision.public_id)
    decision.status, decision.revision = to_status, revision + 1


def _record(decision: Decision, actor: User, kind: str, **payload: Any) -> None:
    """Append to the decision's history, chained into the audit history in this transaction."""
    history.record(decision, actor, kind, **payload)


def _mail(recipient: User, kind: str, decision: Decision) -> None:
    """Queue the email in this transaction: it goes only if the change commits."""
    tasks.send_notification.enqueue(kind, recipient.pk, str(decision.public_id))
