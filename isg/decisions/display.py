"""What a decision's answers look like on a page: rows for summary lists, labels for ids."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.urls import reverse

from isg.engine import URGENT_NODE, Flowchart

from .models import Decision


@dataclass(frozen=True)
class AnswerRow:
    index: int
    node: str
    question: str
    answer: str
    rationale: str
    details: list[tuple[str, str]]
    change_url: str
    is_urgent: bool = False


def step_url(decision: Decision, index: int, node: str) -> str:
    return reverse("decisions:question", args=[decision.public_id, index, node])


def current_url(decision: Decision, flowchart: Flowchart) -> str:
    """Where the practitioner should be now: the next question, the check page or the outcome."""
    if not decision.is_draft:
        return reverse("decisions:outcome", args=[decision.public_id])
    if decision.current_node == flowchart.terminal.id:
        return reverse("decisions:check", args=[decision.public_id])
    return step_url(decision, len(decision.path), decision.current_node)


def field_value(spec_type: str, value: str, choices: dict[str, str]) -> str:
    if spec_type == "choice":
        return choices.get(value, value)
    if spec_type == "date":
        try:
            return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    return value


def answer_rows(decision: Decision, flowchart: Flowchart, *, upto: int | None = None, change: bool = True) -> list[AnswerRow]:
    """One row per answer on the path, in order, as the check-answers and side panels show them."""
    rows = []
    for index, stored in enumerate(decision.path[:upto]):
        if stored["node"] == URGENT_NODE:
            rows.append(AnswerRow(index, URGENT_NODE, "Urgent: someone is in danger now", flowchart.urgent.label,
                                  "", [], "", is_urgent=True))
            continue
        node = flowchart.node(stored["node"])
        answer = node.answer(stored["answer"])
        values = stored.get("fields", {})
        details = [
            (spec.label, field_value(spec.type, values[spec.id], {c.id: c.label for c in spec.choices}))
            for spec in node.fields if values.get(spec.id)
        ]
        rows.append(AnswerRow(
            index=index, node=node.id, question=node.question, answer=answer.label if answer else stored["answer"],
            rationale=stored.get("rationale", ""), details=details,
            change_url=f"{step_url(decision, index, node.id)}?return=check" if change else "",
        ))
    return rows


def record_rows(decision: Decision, flowchart: Flowchart) -> list[tuple[str, str]]:
    terminal = flowchart.terminal
    return [
        (spec.label, field_value(spec.type, decision.record[spec.id], {c.id: c.label for c in spec.choices}))
        for spec in terminal.fields if decision.record.get(spec.id)
    ]
