"""Worked walks for reading, and training runs that compare a trainee's answers with them.

A training run is only a list of [node, answer] pairs in the session, one list per case and
walk. It is replayed against the live flowchart whenever it is read; nothing is stored as a
decision and nothing reaches reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from isg.engine import (
    URGENT_NODE,
    Flowchart,
    InvalidStep,
    Outcome,
    Position,
    Step,
    advance,
    is_complete,
    outcome_of,
    replay,
)

from .content import CaseStudy, Walk, WalkStep

SESSION_KEY = "training"
URGENT_ANSWER_LABEL = "Pressed the urgent button"


class WrongQuestion(ValueError):
    """An answer for a question that is not the one at that point of the run."""


# -- labels ------------------------------------------------------------------------------------


def step_question(flowchart: Flowchart, node_id: str) -> str:
    """The question exactly as the flowchart asks it; the urgent button's label for `*`."""
    if node_id == URGENT_NODE:
        return flowchart.urgent.label
    node = flowchart.nodes.get(node_id)
    return node.question if node else node_id


def step_hint(flowchart: Flowchart, node_id: str) -> str:
    node = flowchart.nodes.get(node_id)
    return node.hint if node else ""


def step_answer(flowchart: Flowchart, node_id: str, answer_id: str) -> str:
    """The label of an answer as the practitioner sees it (the id when the flowchart lost it)."""
    if node_id == URGENT_NODE:
        return URGENT_ANSWER_LABEL
    node = flowchart.nodes.get(node_id)
    answer = node.answer(answer_id) if node else None
    return answer.label if answer else answer_id


# -- the session -------------------------------------------------------------------------------


def run_key(case: CaseStudy, walk: Walk) -> str:
    return f"{case.id}/{walk.id}"


def stored_steps(session: Any, key: str) -> tuple[Step, ...]:
    """The run's answers as saved; anything malformed reads as an empty run."""
    raw = session.get(SESSION_KEY, {}).get(key, [])
    try:
        return tuple(Step(node=str(node), answer=str(answer)) for node, answer in raw)
    except (TypeError, ValueError):
        return ()


def save_steps(session: Any, key: str, steps: Sequence[Step]) -> None:
    runs = dict(session.get(SESSION_KEY, {}))
    runs[key] = [[step.node, step.answer] for step in steps]
    session[SESSION_KEY] = runs


def clear_steps(session: Any, key: str) -> None:
    runs = dict(session.get(SESSION_KEY, {}))
    runs.pop(key, None)
    session[SESSION_KEY] = runs


def replayed(flowchart: Flowchart, steps: Sequence[Step]) -> Position | None:
    """Where the run stands on the live flowchart, or None if the flowchart no longer accepts it."""
    try:
        return replay(flowchart, steps)
    except (InvalidStep, KeyError):
        return None


# -- answering ---------------------------------------------------------------------------------


def answer_step(flowchart: Flowchart, steps: Sequence[Step], index: int, node_id: str, answer_id: str) -> tuple[Step, ...]:
    """The run after answering its step `index` (0-based), which must be at `node_id`.

    Giving the same answer again keeps the rest of the run; a different answer drops the later
    steps, which may no longer be on the trainee's route. Raises WrongQuestion when `node_id` is
    not the question at that step, and InvalidStep when the answer is not allowed there.
    """
    if not 0 <= index <= len(steps):
        raise WrongQuestion(f"there is no question {index + 1} in this run yet")
    before = replay(flowchart, steps[:index])
    if is_complete(flowchart, before) or before.at != node_id:
        raise WrongQuestion(f"question {index + 1} is {before.at!r}, not {node_id!r}")
    step = Step(node=node_id, answer=answer_id)
    if index < len(steps) and steps[index] == step:
        return tuple(steps)
    advance(flowchart, before, step, index=index)
    return (*steps[:index], step)


def model_step_for(walk: Walk, earlier: Sequence[Step], node_id: str) -> WalkStep | None:
    """The worked walk's answer at the same visit of `node_id` as the trainee's next one.

    Visits are counted, so a question answered twice (after advice, or a second consent
    question) lines up with the walk's second answer. None when the walk does not visit it.
    """
    index = _model_index(walk, earlier, node_id)
    return None if index is None else walk.steps[index]


def _model_index(walk: Walk, earlier: Sequence[Step], node_id: str) -> int | None:
    visit = sum(1 for step in earlier if step.node == node_id)
    visits = [index for index, step in enumerate(walk.steps) if step.node == node_id]
    return visits[visit] if visit < len(visits) else None


# -- comparing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparedStep:
    """One question of the run next to the worked walk's answer to it."""

    number: int
    question: str
    answer: str  # the trainee's answer label; "" for a question only the walk reached
    model_answer: str  # "" when the walk does not visit this question
    commentary: str
    differs: bool
    is_first_difference: bool = False


@dataclass(frozen=True)
class Comparison:
    rows: tuple[ComparedStep, ...]
    missed: tuple[ComparedStep, ...]  # questions the walk answered that the trainee never reached
    outcome: Outcome | None
    model_outcome: Outcome | None

    @property
    def first_difference(self) -> ComparedStep | None:
        return next((row for row in self.rows if row.is_first_difference), None)

    @property
    def difference_count(self) -> int:
        return sum(1 for row in self.rows if row.differs)

    @property
    def same_outcome(self) -> bool:
        return self.outcome is not None and self.model_outcome is not None and self.outcome.id == self.model_outcome.id

    @property
    def is_same_walk(self) -> bool:
        return not self.difference_count and not self.missed


def compare(flowchart: Flowchart, walk: Walk, steps: Sequence[Step]) -> Comparison:
    """The trainee's run beside the worked walk, step by step.

    Each of the trainee's steps is matched with the walk's answer at the same visit of the same
    question. The first step that differs is marked; before it the two runs are identical, so it
    is where the trainee's reasoning first parted from the worked example.
    """
    rows, matched, first_seen = [], set(), False
    for index, step in enumerate(steps):
        model_index = _model_index(walk, steps[:index], step.node)
        model = None if model_index is None else walk.steps[model_index]
        matched.add(model_index)
        differs = model is None or model.answer != step.answer
        rows.append(ComparedStep(
            number=index + 1, question=step_question(flowchart, step.node),
            answer=step_answer(flowchart, step.node, step.answer),
            model_answer=step_answer(flowchart, model.node, model.answer) if model else "",
            commentary=model.commentary if model else "", differs=differs,
            is_first_difference=differs and not first_seen,
        ))
        first_seen = first_seen or differs
    missed = [
        ComparedStep(number=index + 1, question=step_question(flowchart, model.node), answer="",
                     model_answer=step_answer(flowchart, model.node, model.answer),
                     commentary=model.commentary, differs=True)
        for index, model in enumerate(walk.steps) if index not in matched
    ]
    position = replayed(flowchart, steps)
    return Comparison(
        rows=tuple(rows), missed=tuple(missed),
        outcome=outcome_of(flowchart, position) if position else None,
        model_outcome=flowchart.outcome(walk.expected_outcome),
    )
