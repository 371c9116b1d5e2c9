"""Why a walk has its outcome, and what would change it.

    why = explain(flowchart, steps)
    why.title             # the outcome's title for this walk ("Share without consent")
    why.outcome           # the outcome rule's id
    why.deciding          # the answers whose `set` the matched rule's condition reads
    why.deciding[0].alternatives   # each other offered answer there, re-walked exactly

The outcome rule is the first one whose condition holds in the final state (model.Flowchart.
outcome_for). The rule reads some state variables; the answers that decided the outcome are the
steps that last set those variables. For each of them, every other answer the question offered
(in the state it was asked in) is tried with `change_answer`: the practitioner's later answers are
re-applied only where the path still reaches their questions. If the re-walk reaches the end, its
outcome is exact; if it stops at a question the walk never answered, it says so and names that
question, and never guesses. "I'm not sure" is not tried: it leads to advice, not to an outcome.

Everything is plain text from the flowchart itself (question and answer labels, outcome titles):
no variable names or values are shown. A walk of ~30 steps with a handful of answers per
question costs a few hundred engine steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import (
    NOT_SURE,
    URGENT_NODE,
    AnyOf,
    Clause,
    Flowchart,
    Outcome,
    State,
    clauses_of,
    matches,
)
from .walk import InvalidStep, Position, Step, advance, begin, change_answer, is_complete, outcome_of


@dataclass(frozen=True)
class Alternative:
    """Another answer to a deciding question, and where the walk goes with it.

    `outcome` is set when the re-walk reaches the end (exact: only the practitioner's own later
    answers were used); otherwise `next_node` names the first question the walk never answered.
    """

    answer: str
    label: str
    outcome: str = ""
    outcome_title: str = ""
    same_outcome: bool = False
    next_node: str = ""
    next_question: str = ""

    @property
    def leads_to_other_questions(self) -> bool:
        return not self.outcome


@dataclass(frozen=True)
class DecidingAnswer:
    """One answer on the path that set what the outcome rule reads."""

    index: int  # its place on the path (0-based)
    node: str
    question: str
    answer: str
    label: str
    variables: tuple[str, ...]  # what the rule reads that this answer set (names, for tests and tools)
    alternatives: tuple[Alternative, ...] = ()

    @property
    def is_urgent(self) -> bool:
        return self.node == URGENT_NODE


@dataclass(frozen=True)
class Explanation:
    outcome: str
    title: str
    # The rule's condition in words, one sentence per answer it read: 'You answered "…" to "…"'.
    condition: tuple[str, ...]
    deciding: tuple[DecidingAnswer, ...]


def explain(flowchart: Flowchart, steps: Sequence[Step]) -> Explanation | None:
    """Why the walk `steps` has its outcome. None while the walk has not reached the end.

    Raises InvalidStep if the steps do not replay on this flowchart.
    """
    steps = tuple(steps)
    states, setters, position = _walk(flowchart, steps)
    outcome = outcome_of(flowchart, position)
    if outcome is None:
        return None
    clauses = _holding_clauses(outcome, position.state)
    read: list[str] = []
    for clause in clauses:
        read.extend(name for name in clause if name not in read)
    by_step: dict[int, list[str]] = {}
    for name in read:
        index = setters.get(name)
        if index is not None:
            by_step.setdefault(index, []).append(name)
    deciding = tuple(
        _deciding(flowchart, steps, states, index, tuple(names), outcome) for index, names in sorted(by_step.items())
    )
    words = {name: _words(flowchart, steps, states, setters.get(name)) for name in read}
    condition = tuple(dict.fromkeys(words[name] for name in read if words[name]))
    return Explanation(
        outcome=outcome.id, title=outcome.text_for(position.state, flowchart).title,
        condition=condition, deciding=deciding,
    )


def _walk(flowchart: Flowchart, steps: tuple[Step, ...]) -> tuple[list[State], dict[str, int], Position]:
    """The state each step was answered in, and the step that last set each variable."""
    states: list[State] = []
    setters: dict[str, int] = {}
    position = begin()
    for index, step in enumerate(steps):
        states.append(position.state)
        for name in _sets(flowchart, position, step):
            setters[name] = index
        position = advance(flowchart, position, step, index=index)
    return states, setters, position


def _sets(flowchart: Flowchart, position: Position, step: Step) -> tuple[str, ...]:
    """The variables this step writes (its answer's `set` and the chosen route's), as `transition` does."""
    if step.is_urgent:
        urgent = flowchart.urgent
        return (*urgent.set, *urgent.route_for(position.state).set)
    answer = flowchart.node(step.node).answer(step.answer)
    if answer is None:
        return ()
    route = answer.route_for(position.state) if answer.is_conditional else answer.routes[0]
    return (*answer.set, *route.set)


def _holding_clauses(outcome: Outcome, state: State) -> list[Clause]:
    """The parts of the rule's condition that hold: `when` (its holding clauses) and one of `when_any`."""
    held: list[Clause] = []
    if outcome.when:
        held.extend(c for c in clauses_of(outcome.when) if matches(c, state))
    for condition in outcome.when_any:
        if isinstance(condition, AnyOf):
            held.extend(c for c in condition.clauses if matches(c, state))
        elif matches(condition, state):
            held.append(condition)
    return held


def _question(flowchart: Flowchart, step: Step, state: State) -> tuple[str, str]:
    """The question and answer as the practitioner saw them."""
    if step.is_urgent:
        return "Someone in danger now", flowchart.urgent.label
    node = flowchart.node(step.node)
    answer = node.answer(step.answer)
    return node.question_for(state), answer.label if answer else step.answer


def _words(flowchart: Flowchart, steps: tuple[Step, ...], states: list[State], index: int | None) -> str:
    if index is None:
        return ""
    question, label = _question(flowchart, steps[index], states[index])
    if steps[index].is_urgent:
        return f"You pressed \u201c{label}\u201d"
    return f"You answered \u201c{label}\u201d to \u201c{question}\u201d"


def _deciding(
    flowchart: Flowchart, steps: tuple[Step, ...], states: list[State], index: int, names: tuple[str, ...],
    outcome: Outcome,
) -> DecidingAnswer:
    step = steps[index]
    question, label = _question(flowchart, step, states[index])
    alternatives: tuple[Alternative, ...] = ()
    if not step.is_urgent:
        node = flowchart.node(step.node)
        tried = (
            _alternative(flowchart, steps, index, answer.id, answer.label, outcome)
            for answer in node.offered_answers(states[index])
            if answer.id not in (step.answer, NOT_SURE)
        )
        alternatives = tuple(found for found in tried if found is not None)
    return DecidingAnswer(
        index=index, node=step.node, question=question, answer=step.answer, label=label, variables=names,
        alternatives=alternatives,
    )


def _alternative(
    flowchart: Flowchart, steps: tuple[Step, ...], index: int, answer: str, label: str, current: Outcome,
) -> Alternative | None:
    try:
        position = change_answer(flowchart, steps, index, Step(steps[index].node, answer)).position
    except InvalidStep:  # not offered after all: say nothing rather than guess
        return None
    if is_complete(flowchart, position):
        found = outcome_of(flowchart, position)
        return Alternative(
            answer=answer, label=label, outcome=found.id, outcome_title=found.text_for(position.state, flowchart).title,
            same_outcome=found.id == current.id,
        )
    node = flowchart.node(position.at)
    return Alternative(answer=answer, label=label, next_node=node.id, next_question=node.question_for(position.state))
