"""What a decision's approval looks like on a page: who it waits for, since when, and what was said."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from isg.decisions.display import answer_rows
from isg.decisions.models import Decision, DecisionEvent
from isg.engine import ADVICE, URGENT_NODE
from isg.followups.models import FollowUp

from . import services
from .models import Approval

Kind = DecisionEvent.Kind
MANAGER_NODE = "manager_approval"


@dataclass
class Conversation:
    """What the practitioner recorded about talking to their manager (the flowchart's question)."""

    answer: str
    name: str
    role: str
    at: datetime.datetime | None


@dataclass
class ApprovalStatus:
    decision: Decision
    approval: Approval | None
    events: list[DecisionEvent] = field(default_factory=list)
    conversation: Conversation | None = None
    question: DecisionEvent | None = None  # the approver's question still waiting for an answer
    overdue: bool = False
    approver_label: str = ""  # "Margaret Hughes (your line manager)" or "any line manager in ..."
    final: DecisionEvent | None = None  # the approved / not approved / agreed / disagreed event
    escalation: DecisionEvent | None = None
    overdue_event: DecisionEvent | None = None
    resolved: DecisionEvent | None = None
    went_up: DecisionEvent | None = None  # the latest move to the next approver ("no" on serious harm, or overdue)
    breach: object | None = None  # the data protection officer's assessment, if the reviewer disagreed
    withdrawn: DecisionEvent | None = None  # withdrawn by its owner before anything was shared (withdrawal.py)

    @property
    def mode(self) -> str:
        return services.mode_of(self.decision)

    @property
    def status(self) -> str:
        return self.decision.status

    @property
    def timeline(self) -> list[tuple[DecisionEvent, str, str]]:
        """(event, what happened, the words given): every submission, question, answer and decision."""
        rows = []
        for event in self.events:
            label, key = EVENT_TEXT.get(event.kind, (event.get_kind_display(), ""))
            rows.append((event, label, str(event.payload.get(key, "")) if key else ""))
        return rows


ROUTED_AS = {
    Approval.RoutedBy.LINE_MANAGER: "line manager",
    Approval.RoutedBy.DEPUTY: "line manager's deputy",
}


def approver_label(approval: Approval | None, decision: Decision) -> str:
    if approval is None:
        return ""
    if approval.approver is not None:
        if approval.level:
            return f"{approval.approver.display_name} (the next approver up)"
        if approval.routed_by == Approval.RoutedBy.HANDED_OVER:
            return f"{approval.approver.display_name} (handed over by a manager)"
        role = ROUTED_AS.get(approval.routed_by, "line manager")
        return f"{approval.approver.display_name} ({decision.owner.display_name}'s {role})"
    agency = decision.agency.name if decision.agency else "the agency"
    return f"any line manager in {agency}"


def conversation(decision: Decision, flowchart) -> Conversation | None:
    for stored in decision.path:
        if stored["node"] != MANAGER_NODE:
            continue
        node = flowchart.node(MANAGER_NODE)
        answer = node.answer(stored["answer"])
        fields = stored.get("fields", {})
        try:
            at = datetime.datetime.fromisoformat(stored.get("answered_at", ""))
        except ValueError:
            at = None
        return Conversation(
            answer=answer.label if answer else stored["answer"], name=fields.get("manager_name", ""),
            role=fields.get("manager_role", ""), at=at,
        )
    return None


def approval_status(decision: Decision, flowchart) -> ApprovalStatus:
    approval = Approval.objects.filter(decision=decision).select_related("approver", "escalated_to", "decided_by").first()
    events = services.approval_events(decision)
    status = ApprovalStatus(
        decision=decision, approval=approval, events=events, conversation=conversation(decision, flowchart),
        question=services.pending_question(decision), approver_label=approver_label(approval, decision),
    )
    status.overdue = bool(approval and approval.due_at and approval.due_at < timezone.now() and decision.is_waiting)
    if decision.status == Decision.Status.DISAGREED:
        status.breach = decision.follow_ups_due.filter(kind=FollowUp.Kind.BREACH_ASSESSMENT).select_related(
            "owner").first()
    for event in events:
        if event.kind in (Kind.APPROVED, Kind.NOT_APPROVED, Kind.REVIEW_AGREED, Kind.REVIEW_DISAGREED):
            status.final = event
        elif event.kind in (Kind.REFERRED_UP, Kind.OVERDUE_ESCALATED):
            status.went_up = event
            if event.kind == Kind.OVERDUE_ESCALATED:
                status.overdue_event = event
        elif event.kind == Kind.ESCALATED:
            status.escalation = event
            status.overdue_event = event
        elif event.kind == Kind.RESOLVED:
            status.resolved = event
        elif event.kind == Kind.WITHDRAWN:
            status.withdrawn = event
    return status


EVENT_TEXT = {
    Kind.SUBMITTED: ("Submitted", ""),
    Kind.RESUBMITTED: ("Submitted again", ""),
    Kind.RETURNED: ("Returned with a question", "question"),
    Kind.RETURN_ANSWERED: ("Question answered", "answer"),
    Kind.APPROVED: ("Approved", "reason"),
    Kind.NOT_APPROVED: ("Not approved", "reason"),
    Kind.REFERRED_UP: ("Not agreed: escalated to the next approver", "reason"),
    Kind.REVIEW_AGREED: ("Agreed on review", "reason"),
    Kind.REVIEW_DISAGREED: ("Disagreed on review", "reason"),
    Kind.OVERDUE_ESCALATED: ("Overdue: escalated", ""),
    Kind.ESCALATED: ("Escalated: still open", ""),
    Kind.RESOLVED: ("Resolved by a follow-up decision", ""),
    Kind.WITHDRAWN: ("Withdrawn by the person who made it", "reason"),
}


# -- the one instruction an outcome page leads with -------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """The decision's status as the outcome page leads with it: one heading, one instruction.

    `tone` picks the colour: "share" (green: share now, or it has been shared), "wait" (do not share
    yet), "stop" (do not share), "open" (still open: get advice). Nothing else on the page may
    contradict it (flowchart.md 8.1).
    """

    tone: str
    heading: str
    lines: tuple[str, ...] = ()


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%-d %B %Y, %H:%M") if moment else ""


def panel(status: ApprovalStatus, outcome_title: str, *, viewer_is_owner: bool) -> Panel:
    decision, approval = status.decision, status.approval
    S = Decision.Status
    you = "you" if viewer_is_owner else decision.owner.display_name
    who = status.approver_label or "an approver"
    due = f", due by {_when(approval.due_at)}" if approval and approval.due_at else ""
    overdue = " It is overdue." if status.overdue else ""
    went_up = ""
    if status.went_up is not None:
        payload = status.went_up.payload
        if status.went_up.kind == Kind.REFERRED_UP:
            went_up = (f"It went up to {payload.get('escalated_to') or 'the agency’s managers'} because "
                       f"{status.went_up.actor.display_name} did not agree ({_when(status.went_up.at)}).")
        else:
            went_up = (f"It went up to {payload.get('escalated_to') or 'the agency’s managers'} because it was not "
                       f"dealt with in time ({_when(status.went_up.at)}).")
    refer = ("A referral to children's or adults' social care needs no approval: "
             + ("you" if viewer_is_owner else "the practitioner") + " may still refer directly.")
    serious = decision.state.get("harm_level") == "serious" or bool(decision.state.get("harm_ground"))
    legacy_emergency = decision.is_emergency and status.mode == "after_sharing" and not decision.approval_mode

    if decision.status == S.WITHDRAWN:
        event = status.withdrawn
        by = (f"Withdrawn by {'you' if viewer_is_owner else event.actor.display_name} on {_when(event.at)}, "
              "before anything was shared." if event else "Withdrawn before anything was shared.")
        lines = [by, f"Reason: {event.payload.get('reason', '')}" if event else "",
                 "It is kept with its history but is not counted in the partnership's figures. Do not act on it."]
        return Panel("stop", "Withdrawn: submitted in error", tuple(filter(None, lines)))
    if decision.status == S.AWAITING_APPROVAL and legacy_emergency:
        return Panel("share", "Shared in an emergency: waiting for approval afterwards",
                     tuple(filter(None, [f"With {who}{due}.{overdue}", went_up])))
    if decision.status == S.AWAITING_APPROVAL:
        lines = [f"Approval is with {who}{due}.{overdue}", went_up]
        if serious:
            lines.append(refer)
        heading = "Waiting for approval: do not share yet" if viewer_is_owner else "Waiting for approval: not shared yet"
        return Panel("wait", heading, tuple(filter(None, lines)))
    if decision.status == S.AWAITING_REVIEW:
        heading = "Share now: your approver reviews it today" if viewer_is_owner else "Shared: waiting for review"
        lines = [f"The review is with {who}{due}.{overdue}", went_up]
        if viewer_is_owner:
            lines.insert(0, "This share does not wait for approval. Record each share once it is made.")
        return Panel("share", heading, tuple(filter(None, lines)))
    if decision.status == S.RETURNED:
        asked = status.question.actor.display_name if status.question else "The approver"
        if status.mode == "after_sharing" and decision.approval_mode:
            heading = "Returned with a question: the sharing stands"
        else:
            heading = "Returned with a question: do not share yet" if viewer_is_owner else "Returned with a question: not shared yet"
        line = (f"{asked} asked a question; {you} answer{'' if viewer_is_owner else 's'} it and submit{'' if viewer_is_owner else 's'} again."
                if status.question else "The question has an answer: it can be submitted again.")
        return Panel("wait", heading, (line,))
    if decision.status == S.APPROVED:
        final = status.final
        by = f"Approved by {final.actor.display_name} on {_when(final.at)}." if final else "Approved."
        if legacy_emergency:
            return Panel("share", "Shared in an emergency: approved afterwards", (by,))
        return Panel("share", "Approved: share now" if viewer_is_owner else "Approved: may be shared", (by,))
    if decision.status == S.NOT_APPROVED:
        final = status.final
        by = f"Not approved by {final.actor.display_name} on {_when(final.at)}." if final else "Not approved."
        if legacy_emergency:
            return Panel("stop", "Shared in an emergency: not approved afterwards", (by,))
        return Panel("stop", "Not approved: do not share" if viewer_is_owner else "Not approved: not shared",
                     (by, "If the risk rises, make a new decision. " + refer))
    if decision.status == S.AGREED:
        final = status.final
        return Panel("share", "Shared and agreed on review",
                     (f"Agreed by {final.actor.display_name} on {_when(final.at)}." if final else "Agreed on review.",))
    if decision.status == S.DISAGREED:
        final = status.final
        lines = [f"{final.actor.display_name} disagreed on {_when(final.at)}." if final else "The reviewer disagreed.",
                 "The sharing stands: a referral is never withdrawn."]
        breach = status.breach
        if breach is not None:
            owner = breach.owner.display_name if breach.owner else "the data protection officer (none is named in this app: tell yours)"
            lines.append(f"{owner} assesses it as a possible personal data breach by {_when(breach.due_at)}.")
        return Panel("share", "Shared: the reviewer disagreed", tuple(lines))
    if decision.status == S.ESCALATED:
        return Panel("open", "Still open: get more advice before you decide" if viewer_is_owner else "Still open: escalated",
                     (f"Escalated to {who}.", "Do not share for now, unless someone is in danger."))
    if decision.status == S.RESOLVED:
        return Panel("open", "Resolved by a follow-up decision")
    # Recorded: no approval needed; the outcome itself is the instruction.
    if decision.outcome in ("outcome_do_not_share",):
        return Panel("stop", outcome_title)
    return Panel("share", outcome_title)


# -- what changed since the approver returned it ----------------------------------------------------


@dataclass
class SinceReturn:
    """A decision resubmitted after a return: which answers differ from the answers at the return.

    `known` is False for a return made before the answers were kept with it (nothing can be marked).
    `changed` holds the questions (node ids) whose standing answer is new or different; `removed`
    the questions answered then that are no longer on the path, as (question, answer) in words.
    """

    returned: DecisionEvent
    by_viewer: bool
    known: bool
    changed: frozenset[str] = frozenset()
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "Changed since you returned it" if self.by_viewer else "Changed since it was returned"


def since_return(decision: Decision, flowchart, viewer) -> SinceReturn | None:
    """What changed since the latest return, while the resubmitted decision waits; None otherwise."""
    if not decision.is_waiting:
        return None
    events = list(decision.events.filter(kind__in=[Kind.RETURNED, Kind.RESUBMITTED]).select_related("actor").order_by("id"))
    returned = next((e for e in reversed(events) if e.kind == Kind.RETURNED), None)
    if returned is None or not any(e.kind == Kind.RESUBMITTED and e.pk > returned.pk for e in events):
        return None
    found = SinceReturn(returned=returned, by_viewer=returned.actor_id == viewer.pk,
                        known=isinstance(returned.payload.get("path_answers"), list))
    if not found.known:
        return found
    then = {str(node): str(answer) for node, answer in returned.payload["path_answers"]}
    standing = {row.node: decision.path[row.index]["answer"] for row in answer_rows(decision, flowchart, change=False)}
    found.changed = frozenset(node for node, answer in standing.items() if then.get(node) != answer)
    for node_id, answer_id in then.items():
        if node_id in standing or node_id in (ADVICE, URGENT_NODE) or node_id not in flowchart.nodes:
            continue
        node = flowchart.node(node_id)
        answer = node.answer(answer_id)
        found.removed.append((node.question, answer.label if answer else answer_id))
    return found
