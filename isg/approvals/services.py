"""The approval state machine: every change is one conditional UPDATE on (status, revision).

Before sharing (flowchart 1.2 `before_sharing`, and every approval before 1.2 bar emergencies):

    awaiting_approval --approved--> approved
                      --returned--> returned --answer_return, resubmit--> awaiting_approval
                      --not_approved--> not_approved        (offered only where the harm is not serious)
                      --escalated--> awaiting_approval, with the next approver up

After sharing (`after_sharing`: an emergency, or a child or adult at risk referred to a statutory route):

    awaiting_review --agreed--> agreed
                    --returned--> returned --answer_return, resubmit--> awaiting_review
                    --disagreed--> disagreed (the share stands; the data protection officer assesses it)

A missed deadline sends the item to the next approver up and never decides (policy.py).
    escalated (outcome_seek_advice) --a follow-up decision on the same case--> resolved

What an approver may answer is the flowchart's (`approval:`); what it does is policy.py's. Two
approvers or two tabs acting at once: the UPDATE lands for one of them; the other finds no row on
the (status, revision) it saw and gets StaleDecision, which the views turn into a clear message.
Views never change state: they call these functions.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from isg.access.services import may
from isg.accounts.models import User
from isg.decisions import history, lifecycle
from isg.decisions.models import WAITING_STATUSES, Decision, DecisionEvent
from isg.decisions.services import StaleDecision
from isg.flowchart.services import flowchart_for
from isg.followups import services as followups

from . import deadlines, policy, tasks
from .models import Approval

Status = Decision.Status
Kind = DecisionEvent.Kind

SEEK_ADVICE = "outcome_seek_advice"
WAITING = WAITING_STATUSES  # a tuple: _transition takes one status or a tuple of them


class NotAllowed(Exception):
    """This person may not act on this decision (the requester, another agency, not a manager)."""


class ReasonRequired(ValueError):
    """Every approval action needs a reason, a question or an answer in words."""


class ReturnNotAnswered(Exception):
    """A returned decision goes back only once the approver's question has an answer."""


class ReviewDateRequired(ValueError):
    """Not approving asks who reviews the decision and when."""


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
    open_statuses = lifecycle.WITH_AN_APPROVER
    managers = managers.annotate(
        open_count=Count("approvals_routed", filter=Q(approvals_routed__decision__status__in=open_statuses)),
    ).order_by("open_count", "username")
    return [manager for manager in managers if not getattr(manager, "is_away", False)]


def _said_no(decision: Decision) -> set[int]:
    """Everyone who sent this decision up by not agreeing: it never comes back to them."""
    return set(decision.events.filter(kind=Kind.REFERRED_UP).values_list("actor_id", flat=True))


def next_approver(approval: Approval, decision: Decision) -> tuple[User | None, str]:
    """The next approver up from whoever holds it now: their own line manager, else that manager's
    deputy, else another manager of the agency. Never the practitioner, never someone who has
    already said no to it, never the person it is leaving."""
    owner = decision.owner
    current = approval.approver
    exclude = {owner.pk, *_said_no(decision)}
    if current is not None:
        exclude.add(current.pk)
        target, routed_by = route_approver(current, exclude=tuple(exclude))
        if target is not None:
            return target, routed_by
    others = agency_managers(owner, exclude=tuple(exclude))
    if others:
        return others[0], Approval.RoutedBy.AGENCY
    return None, Approval.RoutedBy.AGENCY


def _notify_approver(approval: Approval, requester: User) -> User | None:
    """The person the email goes to: the routed approver, or the least-loaded agency manager."""
    if approval.approver is not None:
        return approval.approver
    managers = agency_managers(requester)
    return managers[0] if managers else None


def mode_of(decision: Decision) -> str:
    """Before or after sharing: the walk's declared mode (1.2), else an emergency's retrospective approval."""
    if decision.approval_mode in (policy.BEFORE, policy.AFTER):
        return decision.approval_mode
    return policy.AFTER if decision.is_emergency else policy.BEFORE


def _due(decision: Decision, asked_at: datetime.datetime) -> datetime.datetime | None:
    """Flowchart 1.2 approvals keep working days; before 1.2 only an emergency had a time limit."""
    if decision.approval_mode in (policy.BEFORE, policy.AFTER):
        return deadlines.due_by(asked_at)
    if decision.is_emergency:
        return asked_at + datetime.timedelta(hours=settings.ISG_RETROSPECTIVE_APPROVAL_HOURS)
    return None


# -- submit (called by submission.decision_submit, inside its transaction) ----------


def submit_for_approval(decision: Decision, actor: User, *, resubmission: bool = False) -> Approval:
    """Route a decision that has just moved to awaiting approval or review, and tell the approver.

    It is due by the end of the working day it was first submitted on (the next, if out of hours);
    returning it does not move that. A task is queued for the due time to escalate the item if it
    is still waiting (`escalate_overdue` does the same sweep on demand).
    """
    now = timezone.now()
    existing = Approval.objects.filter(decision=decision).first()
    if resubmission and existing is not None and existing.approver is not None and _available(existing.approver, decision.owner):
        # Back to whoever asked the question (or now holds it), at the level it had reached.
        approver, routed_by = existing.approver, existing.routed_by
    else:
        approver, routed_by = route_approver(decision.owner)
    # The clock runs from the first submission: returning the decision does not restart it.
    due_at = existing.due_at if resubmission and existing is not None and existing.due_at else _due(
        decision, decision.submitted_at or now)
    fields = {
        "purpose": Approval.Purpose.APPROVAL, "approver": approver, "routed_by": routed_by, "mode": mode_of(decision),
        "requested_at": now, "due_at": due_at, "decided_at": None, "decided_by": None,
    }
    if not resubmission:
        fields.update(escalated_to=None, escalated_at=None, level=0)
    approval, _ = Approval.objects.update_or_create(decision=decision, defaults=fields)
    recipient = _notify_approver(approval, decision.owner)
    if recipient is not None:
        _mail(recipient, "resubmitted" if resubmission else ("review" if approval.mode == policy.AFTER else "submitted"), decision)
    if due_at is not None:
        tasks.schedule_overdue_check(approval.pk, due_at)
    return approval


def open_escalation(decision: Decision, actor: User) -> Approval:
    """An unresolved decision (outcome_seek_advice) stays open, escalated to a manager.

    Before 1.2, when the practitioner recorded that their manager did not agree and they remain
    concerned, it goes beyond that manager: to the manager's own manager, if the app knows one.
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


def review_after_emergency_share(decision: Decision, actor: User, *, reason: str) -> Approval:
    """The practitioner shared in an emergency while the approval before sharing was still waiting.

    The waiting approval becomes flowchart 1.2's review after sharing: the decision waits as
    `awaiting_review` (marked an emergency), the same approver reviews it by the end of this
    working day, and the approver is told. The share itself is recorded by isg/disclosures, in the
    caller's transaction. Raises ReasonRequired, NotAllowed (not the owner), StaleDecision (it was
    decided meanwhile).
    """
    reason = _words(reason, "Enter why it was an emergency")
    if decision.owner_id != actor.pk:
        raise NotAllowed(decision.public_id)
    now = timezone.now()
    with transaction.atomic():
        # The approval row first, then the decision, as an approver's answer takes them: no deadlock.
        Approval.objects.select_for_update().filter(decision=decision).first()
        _transition(decision, decision.revision, Status.AWAITING_APPROVAL, Status.AWAITING_REVIEW,
                    approval_mode=policy.AFTER, is_emergency=True)
        decision.approval_mode, decision.is_emergency = policy.AFTER, True
        due_at = deadlines.due_by(now)
        Approval.objects.filter(decision=decision).update(mode=policy.AFTER, due_at=due_at)
        approval = Approval.objects.get(decision=decision)
        _record(decision, actor, Kind.SHARED_BEFORE_APPROVAL, reason=reason, mode=policy.AFTER,
                due_at=due_at.isoformat())
        recipient = _notify_approver(approval, decision.owner)
        if recipient is not None:
            _mail(recipient, "review", decision)
        tasks.schedule_overdue_check(approval.pk, due_at)
    return approval


def resolve_followed(decision: Decision, actor: User) -> bool:
    """A follow-up decision on the same case with another outcome resolves an escalated one."""
    earlier = decision.follows
    if earlier is None or earlier.status != Status.ESCALATED or decision.status == Status.ESCALATED:
        return False
    if earlier.case_reference != decision.case_reference or earlier.owner_id != decision.owner_id:
        return False
    lifecycle.check(Status.ESCALATED, Status.RESOLVED)
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


def current_approval(decision: Decision) -> Approval | None:
    return Approval.objects.filter(decision=decision).select_related("approver").first()


def may_act(user: User, decision: Decision) -> bool:
    """Whether `user` is the one current approver of this waiting decision.

    The approver it is routed to (a manager who is away has handed it on, so it is no longer
    theirs), or, where it waits in the agency's queue, any line manager of that agency who is
    not away. Never its author.
    """
    return decision.status in WAITING and holds(user, decision)


def holds(user: User, decision: Decision) -> bool:
    """Whether the decision is routed to `user` now (whatever its status): `may_act` without the
    status, so a second tab acting on a decision already decided hears "someone acted first"."""
    if not (user.is_authenticated and user.is_active and user.role == User.Role.LINE_MANAGER):
        return False
    if decision.owner_id == user.pk or getattr(user, "is_away", False):
        return False
    approval = current_approval(decision)
    if approval is None:
        return False
    if approval.approver_id is not None:
        return approval.approver_id == user.pk
    return user.agency_id is not None and user.agency_id == decision.agency_id


def answers_for(decision: Decision) -> tuple:
    """What the approver may answer for this decision, from its flowchart (as data, in order)."""
    flowchart = flowchart_for(decision.flowchart_id)
    return policy.offered(flowchart, mode_of(decision), decision.state)


def decide(
    decision: Decision, actor: User, answer_id: str, reason: str, revision: int, *,
    review_owner: str = "", review_date: datetime.date | None = None,
) -> policy.Transition:
    """Apply the approver's answer, one of `answers_for(decision)`, with their reason (or question).

    Raises NotAllowed, policy.NotOffered, ReasonRequired, ReviewDateRequired or StaleDecision.
    """
    mode = mode_of(decision)
    transition = policy.after_answer(flowchart_for(decision.flowchart_id), mode, decision.state, answer_id)
    reason = _words(reason, "Enter your question for the practitioner" if transition.result == "returned" else "Enter your reason")
    if transition.result == "not_approved" and review_date is None:
        raise ReviewDateRequired("Enter the date by which the decision not to share will be reviewed")
    _check_may_act(actor, decision)
    now = timezone.now()
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(decision=decision)
        if transition.escalate:
            _transition(decision, revision, WAITING, decision.status)
            _go_up(decision, approval, actor, reason=reason, now=now, kind=Kind.REFERRED_UP)
            _mail(decision.owner, "referred_up", decision)
            return transition
        _transition(decision, revision, WAITING, transition.status)
        if transition.result == "returned":
            # The answers as they stood (codes only), so a resubmission can show what changed since.
            _record(decision, actor, Kind.RETURNED, question=reason, mode=mode, path_answers=path_answers(decision))
            _mail(decision.owner, "returned", decision)
            return transition
        Approval.objects.filter(pk=approval.pk).update(decided_at=now, decided_by=actor)
        kind = {
            "approved": Kind.APPROVED, "not_approved": Kind.NOT_APPROVED,
            "agreed": Kind.REVIEW_AGREED, "disagreed": Kind.REVIEW_DISAGREED,
        }[transition.result]
        payload: dict[str, Any] = {"reason": reason, "mode": mode, "answer": answer_id}
        if approval.due_at is not None:
            payload.update(due_at=approval.due_at.isoformat(), late=now > approval.due_at)
        if transition.result == "not_approved":
            payload.update(review_owner=review_owner or decision.owner.display_name, review_date=review_date.isoformat())
        _record(decision, actor, kind, **payload)
        if transition.result == "not_approved":
            followups.open_review(decision, actor, owner=decision.owner, description=review_owner, due_on=review_date)
        if transition.result == "approved":
            followups.open_from_record(decision, actor)  # telling the person: due once the sharing may go ahead
        if transition.breach_assessment:
            assessment = followups.open_breach_assessment(decision, actor, lessons=reason)
            if assessment.owner is not None:
                _mail(assessment.owner, "breach_assessment", decision)
        _mail(decision.owner, transition.result, decision)
    return transition


def approve(decision: Decision, actor: User, reason: str, revision: int) -> Decision:
    """Approve (before sharing) or agree (after sharing): whichever this decision's approver is offered."""
    positive = next(a.id for a in answers_for(decision) if a.result in ("approved", "agreed"))
    decide(decision, actor, positive, reason, revision)
    return decision


def not_approve(decision: Decision, actor: User, reason: str, revision: int, *,
                review_date: datetime.date | None = None) -> Decision:
    decide(decision, actor, "not_approve", reason, revision,
           review_date=review_date or (timezone.localdate() + datetime.timedelta(days=28)))
    return decision


def return_for_information(decision: Decision, actor: User, question: str, revision: int) -> Decision:
    """Send the decision back with a question; the practitioner answers, may change answers, resubmits."""
    decide(decision, actor, "return", question, revision)
    return decision


def answer_return(decision: Decision, actor: User, answer: str, revision: int) -> Decision:
    """The practitioner's reply to the approver's question. Kept in the history, never overwritten."""
    answer = _words(answer, "Enter your answer to the question")
    if not may(actor, decision, "edit"):
        raise NotAllowed(decision.public_id)
    with transaction.atomic():
        # Bumps the revision while staying `returned`: a second tab's answer on the old page is stale.
        _transition(decision, revision, Status.RETURNED, Status.RETURNED)
        _record(decision, actor, Kind.RETURN_ANSWERED, answer=answer)
    return decision


def require_answered(decision: Decision) -> None:
    if pending_question(decision) is not None:
        raise ReturnNotAnswered(decision.public_id)


def escalate_overdue(now: datetime.datetime | None = None, *, approval_ids: list[int] | None = None) -> int:
    """Send every approval still waiting past its due time to the next approver up, once per level.

    The next approver gets their own working day. Idempotent: the UPDATE lands only on the level
    the sweep saw, so a repeated sweep (or the scheduled task and the command together) moves each
    item once. Returns how many it escalated.
    """
    now = now or timezone.now()
    due = Approval.objects.filter(due_at__lt=now, decision__status__in=WAITING).select_related(
        "decision", "decision__owner", "approver")
    if approval_ids is not None:
        due = due.filter(pk__in=approval_ids)
    count = 0
    for approval in due:
        decision = approval.decision
        if approval.escalated_at is not None and approval.escalated_at >= approval.due_at:
            continue  # already escalated for this deadline, before 1.2's levels: leave it where it went
        with transaction.atomic():
            if _go_up(decision, approval, None, reason="", now=now, kind=Kind.OVERDUE_ESCALATED):
                count += 1
    return count


def _go_up(decision: Decision, approval: Approval, actor: User | None, *, reason: str, now: datetime.datetime,
           kind: str) -> bool:
    """Move the item to the next approver up (a "no" on serious harm, or a missed deadline).

    Lands only on the level it read; returns whether it moved. The next approver gets the rest of
    their working day (or the next); the practitioner and the new approver are told.
    """
    target, routed_by = next_approver(approval, decision)
    due_at = deadlines.due_by(now) if decision.approval_mode in (policy.BEFORE, policy.AFTER) else approval.due_at
    won = Approval.objects.filter(pk=approval.pk, level=approval.level).update(
        level=approval.level + 1, approver=target if target is not None else approval.approver,
        routed_by=routed_by if target is not None else approval.routed_by,
        escalated_at=now, escalated_to=target, due_at=due_at if target is not None else approval.due_at,
    )
    if not won:
        return False
    previous = approval.approver.display_name if approval.approver else ""
    payload: dict[str, Any] = {"escalated_to": target.display_name if target else "", "from": previous}
    if kind == Kind.OVERDUE_ESCALATED:
        payload.update(due_at=approval.due_at.isoformat() if approval.due_at else "", system=True)
        event_actor = target or approval.approver or decision.owner
    else:
        payload.update(reason=reason)
        event_actor = actor
    _record(decision, event_actor, kind, **payload)
    if target is not None:
        _mail(target, "overdue" if kind == Kind.OVERDUE_ESCALATED else "escalated_up", decision)
        if due_at is not None:
            refreshed = Approval.objects.get(pk=approval.pk)
            tasks.schedule_overdue_check(refreshed.pk, due_at)
    return True


def _escalation_target(approval: Approval) -> User | None:
    target, _ = next_approver(approval, approval.decision)
    return target


# -- what the pages show -----------------------------------------------------------------------


def path_answers(decision: Decision) -> list[list[str]]:
    """The path's answers as [node, answer] pairs: ids only, never the words given with them."""
    return [[str(step["node"]), str(step["answer"])] for step in decision.path]


def pending_question(decision: Decision) -> DecisionEvent | None:
    """The approver's latest question, if the decision is returned and it has no answer yet."""
    if decision.status != Status.RETURNED:
        return None
    last = decision.events.filter(kind__in=[Kind.RETURNED, Kind.RETURN_ANSWERED]).order_by("-id").first()
    return last if last is not None and last.kind == Kind.RETURNED else None


APPROVAL_KINDS = [Kind.SUBMITTED, Kind.RESUBMITTED, Kind.RETURNED, Kind.RETURN_ANSWERED, Kind.APPROVED,
                  Kind.NOT_APPROVED, Kind.REFERRED_UP, Kind.REVIEW_AGREED, Kind.REVIEW_DISAGREED,
                  Kind.OVERDUE_ESCALATED, Kind.ESCALATED, Kind.RESOLVED, Kind.WITHDRAWN]


def approval_events(decision: Decision) -> list[DecisionEvent]:
    """Every submission, question, answer and decision, oldest first, with who and when."""
    return list(decision.events.filter(kind__in=APPROVAL_KINDS).select_related("actor").order_by("id"))


def queue_for(user: User, *, show: str = "all") -> list[Approval]:
    """A manager's queue: overdue and emergencies first, then the soonest due, then the oldest."""
    approvals = Approval.objects.for_manager(user).filter(decision__status__in=WAITING)
    approvals = list(approvals.select_related("decision", "decision__agency", "decision__owner", "decision__owner__agency",
                                            "decision__owner__line_manager", "approver", "escalated_to"))
    approvals = _marked_overdue([a for a in approvals if may_act(user, a.decision)])
    if show == "urgent":
        approvals = [a for a in approvals if a.decision.is_emergency or a.overdue]
    approvals.sort(key=lambda a: (not a.overdue, not a.decision.is_emergency, *_soonest_due(a)))
    return approvals


def _marked_overdue(approvals: list[Approval]) -> list[Approval]:
    now = timezone.now()
    for approval in approvals:
        approval.overdue = approval.due_at is not None and approval.due_at < now
    return approvals


def _soonest_due(approval: Approval) -> tuple:
    """Sort key: the soonest due first, those without a time limit last, then the oldest."""
    return (approval.due_at or datetime.datetime.max.replace(tzinfo=datetime.UTC), approval.requested_at)


def waiting_count(user: User) -> int:
    """How many items wait for this person to act on now (the navigation's count, and whether they
    land on Approvals). The queue's own rule, in one query: routed to them or their agency's queue,
    never their own decisions, nothing while they are away."""
    if not user.is_authenticated or user.role != User.Role.LINE_MANAGER or user.is_away:
        return 0
    return (Approval.objects.for_manager(user).filter(decision__status__in=WAITING)
            .exclude(decision__owner=user).count())


def led_agency_waiting(user: User) -> list[Approval]:
    """For an agency's designated safeguarding lead: the agency's waiting items that are someone
    else's to act on (each may be handed over), the soonest due first."""
    if not (user.is_authenticated and user.role == User.Role.LINE_MANAGER and user.is_designated_safeguarding_lead
            and user.agency_id):
        return []
    approvals = (Approval.objects.filter(decision__agency_id=user.agency_id, decision__status__in=WAITING)
                 .exclude(approver=user).exclude(decision__owner=user)
                 .select_related("decision", "decision__owner", "approver"))
    return _marked_overdue(sorted(approvals, key=_soonest_due))


def covering_for(user: User) -> list[User]:
    """The away managers whose deputy this person is: their waiting items come here."""
    if not user.is_authenticated or user.role != User.Role.LINE_MANAGER:
        return []
    return list(User.objects.filter(deputy=user, is_away=True, is_active=True).order_by("last_name", "first_name"))


def escalations_for(user: User) -> list[Approval]:
    """Open (escalated) decisions sent to this manager, oldest first."""
    return list(
        Approval.objects.for_manager(user).filter(decision__status=Status.ESCALATED)
        .select_related("decision", "decision__owner", "approver").order_by("requested_at")
    )


# -- internals ----------------------------------------------------------------------------------


def _check_may_act(actor: User, decision: Decision) -> None:
    # The status is checked by the conditional UPDATE: a decision decided meanwhile is stale, not forbidden.
    if not holds(actor, decision):
        raise NotAllowed(decision.public_id)


def _words(text: Any, message: str) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ReasonRequired(message)
    return text


def _transition(decision: Decision, revision: int, from_status: str | tuple[str, ...], to_status: str,
                **changes: Any) -> None:
    """The conditional UPDATE: it lands only on the status (one of them) and revision the person saw."""
    statuses = from_status if isinstance(from_status, tuple) else (from_status,)
    if decision.status in statuses:  # otherwise the UPDATE finds it stale
        lifecycle.check(decision.status, to_status)
    updated = Decision.objects.filter(pk=decision.pk, status__in=statuses, revision=revision).update(
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
