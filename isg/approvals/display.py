"""What a decision's approval looks like on a page: who it waits for, since when, and what was said."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from isg.decisions.models import Decision, DecisionEvent

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
    final: DecisionEvent | None = None  # the approved / not approved event
    escalation: DecisionEvent | None = None
    overdue_event: DecisionEvent | None = None
    resolved: DecisionEvent | None = None

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
    status.overdue = bool(
        approval and approval.due_at and approval.due_at < timezone.now()
        and decision.status == Decision.Status.AWAITING_APPROVAL
    )
    for event in events:
        if event.kind in (Kind.APPROVED, Kind.NOT_APPROVED):
            status.final = event
        elif event.kind == Kind.ESCALATED:
            status.escalation = event
        elif event.kind == Kind.OVERDUE_ESCALATED:
            status.overdue_event = event
        elif event.kind == Kind.RESOLVED:
            status.resolved = event
    return status


EVENT_TEXT = {
    Kind.SUBMITTED: ("Submitted", ""),
    Kind.RESUBMITTED: ("Submitted again", ""),
    Kind.RETURNED: ("Returned with a question", "question"),
    Kind.RETURN_ANSWERED: ("Question answered", "answer"),
    Kind.APPROVED: ("Approved", "reason"),
    Kind.NOT_APPROVED: ("Not approved", "reason"),
    Kind.OVERDUE_ESCALATED: ("Approval overdue: escalated", "escalated_to"),
    Kind.ESCALATED: ("Escalated: still open", "escalated_to"),
    Kind.RESOLVED: ("Resolved by a follow-up decision", ""),
}
