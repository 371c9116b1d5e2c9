"""What a decision's answers look like on a page: rows for summary lists, labels for ids."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse

from isg.engine import ADVICE, URGENT_NODE, Field, Flowchart, InvalidStep, State, advance, begin
from isg.engine.explain import explain

from .models import Decision


@dataclass
class Advice:
    """The advice taken about a question: who gave it, what they said, and whether it settled it."""

    details: list[tuple[str, str]]
    rationale: str
    resolved: bool
    outcome: str  # the seek_advice answer's label
    first_answer: str = ""  # the answer given before the advice ("Not sure"), once a later answer stands


@dataclass
class AnswerRow:
    index: int
    node: str
    question: str
    answer: str
    rationale: str
    details: list[tuple[str, str]]
    change_url: str
    is_urgent: bool = False
    advice: Advice | None = None
    answered_at: str = ""
    notes: list[str] = field(default_factory=list)


def step_url(decision: Decision, index: int, node: str) -> str:
    return reverse("decisions:question", args=[decision.public_id, index, node])


def current_url(decision: Decision, flowchart: Flowchart) -> str:
    """Where the practitioner should be now: the next question, the check page or the outcome."""
    if not decision.is_editable:
        return reverse("decisions:outcome", args=[decision.public_id])
    if decision.current_node == flowchart.terminal.id:
        return reverse("decisions:check", args=[decision.public_id])
    return step_url(decision, len(decision.path), decision.current_node)


def field_value(spec_type: str, value: str, choices: dict[str, str]) -> str:
    if spec_type == "choice":
        return choices.get(value, value)
    if spec_type == "confirm":
        return "Confirmed"
    if spec_type == "date":
        try:
            return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    return value


def field_details(fields: tuple[Field, ...], values: dict) -> list[tuple[str, str]]:
    return [
        (spec.label, field_value(spec.type, values[spec.id], {c.id: c.label for c in spec.choices}))
        for spec in fields if values.get(spec.id)
    ]


def states_before(flowchart: Flowchart, decision: Decision) -> list[State]:
    """The state each step of the path was answered in (questions and hints can depend on it)."""
    states, position = [], begin()
    for step in decision.steps:
        states.append(position.state)
        try:
            position = advance(flowchart, position, step)
        except InvalidStep:
            states.extend([decision.state] * (len(decision.path) - len(states)))
            break
    return states


def answer_rows(decision: Decision, flowchart: Flowchart, *, upto: int | None = None, change: bool = True) -> list[AnswerRow]:
    """One row per answer that stands on the path, in order, as the check-answers and record pages show them.

    An answer given as "Not sure" and then answered again after advice shows once: the answer that
    stands, with the advice beside it. Advice that did not settle the question stays beside "Not sure".
    """
    rows: list[AnswerRow] = []
    states = states_before(flowchart, decision)
    for index, stored in enumerate(decision.path[:upto]):
        if stored["node"] == URGENT_NODE:
            rows.append(_urgent_row(index, stored))
            continue
        node = flowchart.node(stored["node"])
        answer = node.answer(stored["answer"])
        if node.id == ADVICE:
            advice = Advice(
                details=field_details(node.fields, stored.get("fields", {})), rationale=stored.get("rationale", ""),
                resolved=bool(answer) and answer.next == "@return", outcome=answer.label if answer else stored["answer"],
            )
            asked_about = rows[-1] if rows and not rows[-1].is_urgent else None
            if asked_about is not None and asked_about.advice is None:
                asked_about.advice = advice
                continue
        row = AnswerRow(
            index=index, node=node.id, question=node.question_for(states[index]),
            answer=answer.label if answer else stored["answer"], rationale=stored.get("rationale", ""),
            details=field_details(node.fields, stored.get("fields", {})),
            change_url=f"{step_url(decision, index, node.id)}?return=check" if change else "",
        )
        earlier = rows[-1] if rows else None
        if earlier and earlier.node == node.id and earlier.advice and earlier.advice.resolved:
            # Answered again after advice: this answer stands; the first one is kept only as context.
            row.advice = earlier.advice
            row.advice.first_answer = earlier.answer
            rows[-1] = row
            continue
        rows.append(row)
    return rows


def _urgent_row(index: int, stored: dict) -> AnswerRow:
    answered = stored.get("answered_at", "")
    try:
        when = datetime.datetime.fromisoformat(answered).strftime("%-d %B %Y, %H:%M")
    except ValueError:
        when = ""
    return AnswerRow(
        index, URGENT_NODE, "Someone in danger now",
        "Yes: you pressed the urgent button, shared first and completed the record afterwards",
        "", [], "", is_urgent=True, answered_at=when,
        notes=["The urgent button cannot be undone: the sharing has happened."],
    )


def record_rows(decision: Decision, flowchart: Flowchart) -> list[tuple[str, str]]:
    return field_details(flowchart.terminal.fields, decision.record)


def why_outcome(decision: Decision, flowchart: Flowchart, *, changed: frozenset[str] = frozenset()) -> dict | None:
    """Why this decision has its outcome and what would change it, as plain data for templates/decisions/_why.html
    (and the PDF record, which keeps it as JSON). None before the walk ends, or if the path no longer replays.

    `changed` holds the questions (node ids) whose answer changed since the approver returned it:
    their rows are marked on the approver's page.
    """
    try:
        found = explain(flowchart, decision.steps)
    except (InvalidStep, LookupError):  # a path or rule this flowchart no longer knows: say nothing
        return None
    if found is None:
        return None
    return {
        "outcome": found.outcome,
        "title": found.title,
        "condition": list(found.condition),
        "answers": [
            {
                "node": deciding.node, "question": deciding.question, "answer": deciding.label,
                "urgent": deciding.is_urgent,
                "changed": deciding.node in changed,
                "alternatives": [
                    {"answer": alternative.label, "outcome": alternative.outcome_title, "same": alternative.same_outcome,
                     "next_question": alternative.next_question}
                    for alternative in deciding.alternatives
                ],
            }
            for deciding in found.deciding
        ],
    }
