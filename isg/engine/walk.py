"""Walking the flowchart: answers are replayed from `start`, so the path alone defines the state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import (
    ADVICE,
    RETURN,
    START,
    URGENT_ANSWER,
    URGENT_NODE,
    Flowchart,
    Outcome,
    State,
    frozen,
)


@dataclass(frozen=True)
class Step:
    """One answer on the path. `data` (rationale, extra fields) travels with it but never routes."""

    node: str
    answer: str
    data: Mapping[str, Any] = field(default_factory=frozen, compare=False, hash=False)

    @property
    def is_urgent(self) -> bool:
        return self.node == URGENT_NODE

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "answer": self.answer, **dict(self.data)}


@dataclass(frozen=True)
class Position:
    """Where a walk stands after its steps: the current node, the state, and where advice returns."""

    at: str
    state: State
    return_to: str | None = None
    steps: tuple[Step, ...] = ()


class InvalidStep(ValueError):
    """A step that the flowchart does not allow at that point of the walk."""

    def __init__(self, *, step: Step, at: str, allowed: Sequence[str], reason: str, index: int | None = None) -> None:
        self.step, self.at, self.allowed, self.reason, self.index = step, at, tuple(allowed), reason, index
        where = f"step {index + 1}: " if index is not None else ""
        listing = f" Allowed answers at {at!r}: {', '.join(allowed)}." if allowed else ""
        super().__init__(f"{where}{reason}.{listing}")


def begin() -> Position:
    return Position(at=START, state=frozen())


def is_complete(flowchart: Flowchart, position: Position) -> bool:
    return flowchart.node(position.at).is_terminal


def allowed_answers(flowchart: Flowchart, position: Position) -> tuple[str, ...]:
    """The answer ids the current node accepts in the current state (none at `record`)."""
    node = flowchart.node(position.at)
    return tuple(answer.id for answer in node.offered_answers(position.state))


def transition(
    flowchart: Flowchart, at: str, state: State, return_to: str | None, node_id: str, answer_id: str
) -> tuple[str, State, str | None]:
    """The pure move behind `advance`; raises ValueError with a reason when the move is not allowed."""
    if flowchart.node(at).is_terminal:
        raise ValueError(f"the walk has already reached {at!r}: start a new decision instead")
    if node_id == URGENT_NODE:
        if answer_id != URGENT_ANSWER:
            raise ValueError(f"the urgent button only takes the answer {URGENT_ANSWER!r}")
        urgent = flowchart.urgent
        route = urgent.route_for(state)
        return route.next, frozen({**state, **urgent.set, **route.set}), None
    if node_id != at:
        raise ValueError(f"the walk is at {at!r}, not {node_id!r}")
    answer = flowchart.node(at).answer(answer_id)
    if answer is None or not answer.is_offered(state):
        raise ValueError(f"{answer_id!r} is not an answer {at!r} accepts here")
    # A conditional route reads the state the question was asked in, before this answer's `set`.
    route = answer.route_for(state) if len(answer.routes) > 1 else answer.routes[0]
    target = route.next
    if target == RETURN:
        if return_to is None:
            raise ValueError("there is no question to return to after advice")
        target, return_to = return_to, None
    elif target == ADVICE:
        return_to = at
    return target, frozen({**state, **answer.set, **route.set}), return_to


def advance(flowchart: Flowchart, position: Position, step: Step, *, index: int | None = None) -> Position:
    """The position after one more step. Raises InvalidStep naming the node and the allowed answers."""
    try:
        at, state, return_to = transition(
            flowchart, position.at, position.state, position.return_to, step.node, step.answer
        )
    except ValueError as exc:
        raise InvalidStep(
            step=step, at=position.at, allowed=allowed_answers(flowchart, position), reason=str(exc), index=index
        ) from None
    return Position(at=at, state=state, return_to=return_to, steps=(*position.steps, step))


def replay(flowchart: Flowchart, steps: Iterable[Step]) -> Position:
    """Replay steps from `start`. Raises InvalidStep at the first step that is not allowed."""
    position = begin()
    for index, step in enumerate(steps):
        position = advance(flowchart, position, step, index=index)
    return position


@dataclass(frozen=True)
class Rewalk:
    position: Position
    dropped: tuple[Step, ...]


def change_answer(flowchart: Flowchart, steps: Sequence[Step], index: int, new_step: Step) -> Rewalk:
    """Answer step `index` afresh and re-apply the later steps that are still on the path.

    Later steps are re-applied in order, each only when its node is the current node (the urgent
    button whenever the walk is not yet complete); the rest are returned as `dropped` so the
    caller can keep them in the decision's history.
    """
    if not 0 <= index < len(steps):
        raise IndexError(f"there is no step {index + 1} to change")
    if new_step.node != steps[index].node:
        raise InvalidStep(
            step=new_step, at=steps[index].node, allowed=(), reason=f"step {index + 1} answers {steps[index].node!r}"
        )
    position = replay(flowchart, steps[:index])
    position = advance(flowchart, position, new_step, index=index)
    dropped = []
    for later in steps[index + 1 :]:
        usable = not is_complete(flowchart, position) and (later.is_urgent or later.node == position.at)
        if usable:
            try:
                position = advance(flowchart, position, later)
                continue
            except InvalidStep:
                pass
        dropped.append(later)
    return Rewalk(position=position, dropped=tuple(dropped))


def outcome_of(flowchart: Flowchart, position: Position) -> Outcome | None:
    """The computed outcome once the walk has reached `record`; None before."""
    if not is_complete(flowchart, position):
        return None
    return flowchart.outcome_for(position.state)
