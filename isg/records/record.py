"""A decision as one JSON-serialisable dict: what the PDF shows and the JSON attached to it.

The PDF template renders from this dict alone, and the same dict is attached to the PDF as
`decision-record.json`, so the readable and the machine-readable record cannot disagree. It holds
only what was decided and who took part (no exports or page views), so building it again later
gives the same dict: the attachment round-trips.

Times are ISO 8601 strings with their offset (UTC as stored). Approval facts come from the
decision's history (DecisionEvent rows), not from the approvals app's tables, so the record reads
the same whatever shape those take.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from isg.decisions.display import AnswerRow, answer_rows, field_details, record_rows, why_outcome
from isg.decisions.models import Decision, DecisionEvent
from isg.engine import ADVICE, NOT_SURE, URGENT_NODE, Flowchart
from isg.flowchart.services import flowchart_for

SCHEMA = "isg.decision-record/1"
ATTACHMENT_NAME = "decision-record.json"

# The history kinds that make up the approval story, in the order they can happen.
APPROVAL_KINDS = (
    DecisionEvent.Kind.SUBMITTED, DecisionEvent.Kind.RETURNED, DecisionEvent.Kind.RETURN_ANSWERED,
    DecisionEvent.Kind.RESUBMITTED, DecisionEvent.Kind.APPROVED, DecisionEvent.Kind.NOT_APPROVED,
    DecisionEvent.Kind.OVERDUE_ESCALATED, DecisionEvent.Kind.ESCALATED, DecisionEvent.Kind.RESOLVED,
)
# Where an approval event keeps its words: a reason, the approver's question or the reply.
REASON_KEYS = ("reason", "question", "answer", "text", "note")

# The questions that plan what to share, with whom, how, and whether the person will be told. They
# are the plan: what actually happened is "shares" and "telling" (isg/disclosures), kept apart.
SHARING_QUESTIONS = (
    ("minimum_necessary", "Planned: what to share"),
    ("recipient_check", "Planned: with whom"),
    ("secure_method", "Planned: how"),
    ("inform_person", "Planned: whether the person will be told"),
)


def decision_record(decision: Decision, flowchart: Flowchart | None = None) -> dict[str, Any]:
    flowchart = flowchart or flowchart_for(decision.flowchart_id)
    rows = answer_rows(decision, flowchart, change=False)
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    text = outcome.text_for(decision.state, flowchart) if outcome else None
    owner = decision.owner
    agency = decision.agency or owner.agency
    return {
        "schema": SCHEMA,
        "decision": {
            "id": str(decision.public_id),
            "case_reference": decision.case_reference,
            "summary": decision.summary,
            "status": decision.status,
            "status_label": decision.get_status_display(),
            "agency": agency.name if agency else "",
            "practitioner": owner.display_name,
            "practitioner_role": owner.get_role_display(),
            "started_at": _time(decision.created_at),
            "submitted_at": _time(decision.submitted_at),
            "due_at": _time(getattr(decision, "due_at", None)),
            "is_emergency": decision.is_emergency,
            "requires_approval": decision.requires_approval,
        },
        "flowchart": {"version": decision.flowchart_version, "sha256": decision.flowchart_id, "title": flowchart.title},
        "outcome": {**_outcome(outcome, text), "approval_mode": _mode(decision, outcome)},
        # Why this outcome and what would change it: computed once here, shown by the PDF, kept in the JSON.
        "why": why_outcome(decision, flowchart) if outcome is not None else None,
        "sharing": _sharing(rows),
        "questions": [_question(decision, number, row) for number, row in enumerate(rows, start=1)],
        "consultations": _consultations(decision, flowchart, rows),
        "closing_details": [{"label": label, "value": value} for label, value in record_rows(decision, flowchart)],
        "state": dict(decision.state),
        "approval_history": _approval_history(decision),
        **_disclosures(decision),
        "tasks": _tasks(decision),
        "amendments": [
            {"at": _time(a.at), "by": a.author.display_name, "reason": a.reason, "text": a.text}
            for a in decision.amendments.select_related("author").order_by("id")
        ],
    }


def record_json(record: dict[str, Any]) -> bytes:
    """The attachment's bytes: stable key order, UTF-8, readable."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def _time(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _details(details) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for label, value in details]


def _outcome(outcome, text) -> dict[str, Any]:
    if outcome is None:
        return {"id": "", "title": "", "summary": "", "lawful_basis": [], "what_to_do": [], "record_must_contain": [],
                "requires_approval": False, "approval": "", "shares": False}
    return {
        "id": outcome.id, "title": text.title, "summary": text.summary, "lawful_basis": list(text.lawful_basis),
        "what_to_do": list(text.what_to_do), "record_must_contain": list(text.record_must_contain),
        "requires_approval": outcome.requires_approval, "approval": outcome.approval, "shares": outcome.shares,
    }


def _mode(decision: Decision, outcome) -> str:
    """none, before_sharing or after_sharing: what the decision's walk declared (1.2), else what its
    outcome asked for (an emergency's approval came afterwards)."""
    if decision.approval_mode:
        return decision.approval_mode
    return outcome.approval_mode_for(decision.state) if outcome is not None else "none"


def _question(decision: Decision, number: int, row: AnswerRow) -> dict[str, Any]:
    stored = decision.path[row.index]
    advice = row.advice
    return {
        "number": number,  # as the reader counts them: 1, 2, 3 ...
        "step": row.index + 1,  # where the standing answer sits on the stored path
        "node": row.node,
        "question": row.question,
        "answer_id": stored.get("answer", ""),
        "answer": row.answer,
        "rationale": row.rationale,
        "details": _details(row.details),
        "answered_at": stored.get("answered_at", ""),
        "urgent": row.is_urgent,
        "notes": list(row.notes),
        "advice": None if advice is None else {
            "first_answer": advice.first_answer, "outcome": advice.outcome, "resolved": advice.resolved,
            "details": _details(advice.details), "rationale": advice.rationale,
        },
    }


def _sharing(rows: list[AnswerRow]) -> list[dict[str, Any]]:
    by_node = {row.node: row for row in rows}
    found = []
    for node, heading in SHARING_QUESTIONS:
        row = by_node.get(node)
        found.append({
            "heading": heading, "node": node, "asked": row is not None,
            "answer": row.answer if row else "", "details": _details(row.details) if row else [],
            "rationale": row.rationale if row else "",
        })
    return found


def _consultations(decision: Decision, flowchart: Flowchart, rows: list[AnswerRow]) -> list[dict[str, Any]]:
    """Every time the practitioner was not sure and took advice: which question, who, what they said."""
    node = flowchart.node(ADVICE)
    found = []
    for index, stored in enumerate(decision.path):
        if stored["node"] != ADVICE:
            continue
        about = _asked_about(decision, index)
        about_node = decision.path[about]["node"] if about is not None else ""
        # The question's row is its standing answer: the first row for that question from here on.
        number, row = next(
            ((n, r) for n, r in enumerate(rows, start=1) if about is not None and r.node == about_node and r.index >= about),
            (None, None),
        )
        answer = node.answer(stored["answer"])
        found.append({
            "step": index + 1,
            "question_number": number,
            "about_node": about_node,
            "about": row.question if row else _question_text(flowchart, decision, about),
            "details": _details(field_details(node.fields, stored.get("fields", {}))),
            "rationale": stored.get("rationale", ""),
            "result": answer.label if answer else stored["answer"],
            "resolved": bool(answer) and answer.next == "@return",
            "answered_at": stored.get("answered_at", ""),
        })
    return found


def _asked_about(decision: Decision, index: int) -> int | None:
    """The step answered "Not sure" just before this advice (skipping an urgent press)."""
    for earlier in range(index - 1, -1, -1):
        stored = decision.path[earlier]
        if stored["node"] == URGENT_NODE:
            continue
        return earlier if stored.get("answer") == NOT_SURE else None
    return None


def _question_text(flowchart: Flowchart, decision: Decision, index: int | None) -> str:
    if index is None:
        return ""
    try:
        return flowchart.node(decision.path[index]["node"]).question
    except KeyError:
        return decision.path[index]["node"]


def _disclosures(decision: Decision) -> dict[str, Any]:
    """What was actually shared, and whether the person was told (newest current, older kept): two queries."""
    from isg.disclosures.services import disclosures_for

    found = disclosures_for(decision)
    shares = [{
        "shared_at": _time(s.shared_at), "recipient": s.recipient, "directory": s.organisation_id is not None,
        "person": s.recipient_person, "method": s.method, "method_label": s.get_method_display(),
        "what": s.what_shared, "withheld": s.withheld, "receipt_confirmed": s.receipt_confirmed,
        "emergency": s.emergency, "emergency_reason": s.emergency_reason,
    } for s in found.shares]
    tellings = [{
        "recorded_at": _time(t.recorded_at), "told": t.told, "told_on": t.told_on.isoformat() if t.told_on else "",
        "told_by": t.told_by, "how": t.how, "how_label": t.get_how_display() if t.how else "",
        "not_told_reason": t.not_told_reason, "reason_label": t.reason_label if not t.told else "",
        "agreed_by": t.agreed_by, "reconsider_by": t.reconsider_by.isoformat() if t.reconsider_by else "",
    } for t in reversed(found.tellings)]  # newest (the current one) first
    return {"shares": shares, "telling": tellings[0] if tellings else None, "earlier_tellings": tellings[1:]}


def _tasks(decision: Decision) -> list[dict[str, Any]]:
    """The follow-up tasks the decision gave rise to (isg/followups), oldest first: one query."""
    from isg.followups.models import FollowUp

    tasks = FollowUp.objects.filter(decision=decision).select_related("owner", "completed_by").order_by("due_at", "pk")
    return [{
        "kind": t.kind, "label": t.get_kind_display(), "owner": t.owner.display_name if t.owner else "",
        "due_at": _time(t.due_at), "completed_at": _time(t.completed_at),
        "completed_by": t.completed_by.display_name if t.completed_by else "",
    } for t in tasks]


def _approval_history(decision: Decision) -> list[dict[str, Any]]:
    events = decision.events.filter(kind__in=APPROVAL_KINDS).select_related("actor").order_by("id")
    history = []
    for event in events:
        payload = event.payload or {}
        reason = next((str(payload[k]) for k in REASON_KEYS if isinstance(payload.get(k), str) and payload[k]), "")
        history.append({
            "kind": event.kind, "label": event.get_kind_display(), "at": _time(event.at),
            "by": event.actor.display_name, "by_role": event.actor.get_role_display(), "reason": reason,
        })
    return history
