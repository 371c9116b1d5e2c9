"""Every write to a decision goes through here: atomic, optimistic about concurrency, and logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from isg.engine import (
    URGENT_ANSWER,
    URGENT_NODE,
    Flowchart,
    InvalidStep,
    Position,
    Step,
    advance,
    change_answer,
    outcome_of,
    replay,
)
from isg.flowchart.services import flowchart_for, register_current

from . import history, lifecycle
from .models import Decision, DecisionEvent


class StaleDecision(Exception):
    """The decision changed (another tab, a double submit) since the page was shown."""


class DecisionNotEditable(Exception):
    """The decision has been recorded; it can no longer change."""


@dataclass(frozen=True)
class Gap:
    """Something the record still needs before it can be submitted."""

    index: int | None  # the step to go back to; None for the record details on the check page
    node: str
    field: str
    message: str


class IncompleteDecision(Exception):
    def __init__(self, gaps: list[Gap]) -> None:
        super().__init__(f"{len(gaps)} gaps")
        self.gaps = gaps


def stored_step(*, node: str, answer: str, rationale: str = "", fields: dict[str, Any] | None = None) -> Step:
    """A step as the decision stores it: the answer with its rationale, fields and time."""
    return Step(
        node=node,
        answer=answer,
        data={"rationale": rationale, "fields": dict(fields or {}), "answered_at": timezone.now().isoformat()},
    )


def decision_start(
    *, owner, case_reference: str, step: Step, urgent: bool = False, start_token=None,
    follows: Decision | None = None, **payload: Any
) -> Decision:
    """Create a draft decision from the answer to `start` (and the urgent button, if pressed).

    `follows`: the earlier decision on this case ("Record another decision for this case"); an
    escalated one is resolved when this one is submitted with another outcome.

    Idempotent per `start_token` (the new-decision form's one-time token): a repeated or parallel
    post with the same token returns the draft the first one made, with `already_started` set.
    """
    if start_token is not None:
        existing = Decision.objects.filter(owner=owner, start_token=start_token).first()
        if existing is not None:
            existing.already_started = True
            return existing
    flowchart = register_current()
    steps = [step]
    if urgent:
        steps.append(stored_step(node=URGENT_NODE, answer=URGENT_ANSWER))
    position = replay(flowchart, steps)
    decision = Decision(
        owner=owner,
        agency=owner.agency,
        case_reference=case_reference,
        flowchart_id=flowchart.sha256,
        flowchart_version=flowchart.version,
        start_token=start_token,
        follows=follows,
    )
    _apply_position(decision, position, flowchart)
    try:
        with transaction.atomic():
            decision.save()
            history.record_many(
                [_event(decision, owner, DecisionEvent.Kind.STARTED, s, **payload) for s in position.steps]
            )
    except IntegrityError:
        if start_token is None:
            raise
        # A parallel post with the same token won the race: that draft is this one.
        existing = Decision.objects.get(owner=owner, start_token=start_token)
        existing.already_started = True
        return existing
    decision.already_started = False
    return decision


def decision_restart(*, decision: Decision, actor, revision: int) -> Decision:
    """Start a new draft under the live flowchart from an older draft's first answer; supersede the old one.

    The old draft is never migrated: it keeps its answers and history, marked superseded and
    pointing at its replacement. The new draft copies the case reference, the answer to `start`
    with its summary and reasons, and the urgent button if it was pressed at the start. Raises
    StaleDecision, DecisionNotEditable, or InvalidStep if the live flowchart no longer offers the
    first answer.
    """
    live = register_current()
    if decision.flowchart_id == live.sha256:
        raise DecisionNotEditable(decision.public_id)
    first = decision.steps[0]
    start_node = live.node(first.node)
    fields = {f.id: v for f, v in ((f, first.data.get("fields", {}).get(f.id)) for f in start_node.fields) if v}
    step = stored_step(node=first.node, answer=first.answer, rationale=first.data.get("rationale", ""), fields=fields)
    urgent = any(s.node == URGENT_NODE for s in decision.steps[1:2])
    replay(live, [step])  # InvalidStep if the answer is no longer offered
    with transaction.atomic():
        _update(decision, revision, status=Decision.Status.SUPERSEDED)
        new = decision_start(
            owner=decision.owner, case_reference=decision.case_reference, step=step, urgent=urgent,
            restarted_from=str(decision.public_id), restarted_from_version=decision.flowchart_version,
        )
        Decision.objects.filter(pk=decision.pk).update(replaced_by=new)
        decision.status, decision.replaced_by = Decision.Status.SUPERSEDED, new
        history.record(
            decision, actor, DecisionEvent.Kind.SUPERSEDED, None,
            replaced_by=str(new.public_id), flowchart_version=live.version, flowchart_sha256=live.sha256,
        )
    return new


def decision_answer(*, decision: Decision, actor, index: int, step: Step, revision: int) -> Position:
    """Answer the current question (index == len(path)) or change an earlier one (index < len(path)).

    Later answers are kept where their question is still on the path; the rest are dropped from the
    decision and kept in its history. Raises InvalidStep, StaleDecision or DecisionNotEditable.
    """
    flowchart = flowchart_for(decision.flowchart_id)
    steps = decision.steps
    if index == len(steps):
        position = advance(flowchart, replay(flowchart, steps), step, index=index)
        events = [_event(decision, actor, DecisionEvent.Kind.ANSWERED, step)]
    elif 0 <= index < len(steps):
        rewalk = change_answer(flowchart, steps, index, step)
        position = rewalk.position
        events = [_event(decision, actor, DecisionEvent.Kind.CHANGED, step, previous=steps[index].as_dict())]
        events += [_event(decision, actor, DecisionEvent.Kind.DROPPED, s) for s in rewalk.dropped]
    else:
        raise InvalidStep(step=step, at=decision.current_node, allowed=(), reason="that step is not on the path")
    _save(decision, flowchart, position, revision, events)
    return position


def decision_press_urgent(*, decision: Decision, actor, revision: int) -> Position | None:
    """Someone is in danger now: mark the decision an emergency and jump to what to share.

    A decision that is already an emergency is left as it is (None): pressing again adds nothing.
    """
    if decision.is_emergency:
        if decision.revision != revision:
            raise StaleDecision(decision.public_id)
        return None
    step = stored_step(node=URGENT_NODE, answer=URGENT_ANSWER)
    flowchart = flowchart_for(decision.flowchart_id)
    position = advance(flowchart, replay(flowchart, decision.steps), step)
    _save(decision, flowchart, position, revision, [_event(decision, actor, DecisionEvent.Kind.URGENT, step)])
    return position


def decision_save_record(*, decision: Decision, actor, record: dict[str, Any], revision: int) -> None:
    """Store the details asked at the end of the walk (review owner and date, follow-up)."""
    with transaction.atomic():
        _update(decision, revision, record=record)
        decision.record = record
        history.record(decision, actor, DecisionEvent.Kind.RECORD_UPDATED, None, record=record)


def decision_gaps(decision: Decision, flowchart: Flowchart | None = None) -> list[Gap]:
    """What the record still lacks: unanswered questions, rationales, required details."""
    flowchart = flowchart or flowchart_for(decision.flowchart_id)
    gaps = []
    for index, stored in enumerate(decision.path):
        if stored["node"] == URGENT_NODE:
            continue
        node = flowchart.node(stored["node"])
        answer = node.answer(stored["answer"])
        if answer and answer.requires_rationale and not stored.get("rationale"):
            gaps.append(Gap(index, node.id, "rationale", f"Give your reasons for “{answer.label}”: {node.question}"))
        values = stored.get("fields", {})
        for field in node.fields:
            required = field.is_required(answer=stored["answer"], state=decision.state, values=values)
            if required and not values.get(field.id):
                verb = "Confirm" if field.type == "confirm" else "Enter"
                gaps.append(Gap(index, node.id, field.id, f"{verb} {field.label[:1].lower()}{field.label[1:].rstrip('?')}: {node.question}"))
    terminal = flowchart.terminal
    if decision.current_node != terminal.id:
        question = flowchart.node(decision.current_node).question_for(decision.state)
        gaps.append(Gap(len(decision.path), decision.current_node, "answer", f"Answer the question: {question}"))
        return gaps
    for field in terminal.fields:
        required = field.is_required(answer=None, state=decision.state, values=decision.record)
        if required and not decision.record.get(field.id):
            gaps.append(Gap(None, terminal.id, field.id, f"Enter the {field.label[:1].lower()}{field.label[1:]}"))
    return gaps


def decision_record_submission(*, decision: Decision, actor, revision: int, outcome: str, status: str,
                               mode: str, declared: str) -> None:
    """Write a submission: the outcome, the status it moves to and the approval mode, with its event.

    Called inside the transaction of `isg.approvals.submission.decision_submit`, which checks the
    gaps, chooses the status and routes the decision to an approver. A resubmission keeps the first
    submission's time: a retrospective approval's clock runs from it.
    """
    resubmission = decision.status == Decision.Status.RETURNED
    submitted_at = decision.submitted_at if resubmission and decision.submitted_at else timezone.now()
    kind = DecisionEvent.Kind.RESUBMITTED if resubmission else DecisionEvent.Kind.SUBMITTED
    _update(
        decision, revision, status=status, outcome=outcome,
        requires_approval=mode != "none", approval_mode=declared, submitted_at=submitted_at,
    )
    decision.status, decision.outcome, decision.submitted_at = status, outcome, submitted_at
    decision.requires_approval, decision.approval_mode = mode != "none", declared
    history.record(decision, actor, kind, None, outcome=outcome, state=decision.state, approval_mode=mode)


# -- internals ----------------------------------------------------------------------------------


def _apply_position(decision: Decision, position: Position, flowchart: Flowchart) -> None:
    decision.path = [step.as_dict() for step in position.steps]
    decision.state = dict(position.state)
    decision.current_node = position.at
    decision.return_to = position.return_to or ""
    decision.is_emergency = bool(position.state.get("emergency"))
    outcome = outcome_of(flowchart, position)
    decision.outcome = outcome.id if outcome else ""
    decision.requires_approval = bool(outcome and outcome.approval_mode_for(position.state) != "none")


def _save(
    decision: Decision, flowchart: Flowchart, position: Position, revision: int, events: list[DecisionEvent]
) -> None:
    _apply_position(decision, position, flowchart)
    with transaction.atomic():
        _update(
            decision, revision, path=decision.path, state=decision.state, current_node=decision.current_node,
            return_to=decision.return_to, is_emergency=decision.is_emergency, outcome=decision.outcome,
            requires_approval=decision.requires_approval,
        )
        for event in events:
            event.revision = decision.revision
        history.record_many(events)


def _update(decision: Decision, revision: int, **changes: Any) -> None:
    """A conditional UPDATE: it only lands on the revision the user saw, and only while editable.

    Editable means a draft, or a decision the approver returned for more information.
    """
    if not decision.is_editable:
        raise DecisionNotEditable(decision.public_id)
    if "status" in changes:
        lifecycle.check(decision.status, changes["status"])
    updated = Decision.objects.filter(pk=decision.pk, revision=revision, status__in=lifecycle.EDITABLE).update(
        revision=F("revision") + 1, updated_at=timezone.now(), **changes
    )
    if not updated:
        raise StaleDecision(decision.public_id)
    decision.revision = revision + 1


def _event(decision: Decision, actor, kind: str, step: Step | None, **payload: Any) -> DecisionEvent:
    """An unsaved event; write it with `history.record_many`, which chains it into the audit history."""
    return history.build(decision, actor, kind, step, **payload)
