"""The flowchart as immutable data: what the YAML says, after validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

type StateValue = str | bool
type State = Mapping[str, StateValue]

START = "start"
ADVICE = "seek_advice"
NOT_SURE = "not_sure"
RETURN = "@return"
URGENT_NODE = "*"
URGENT_ANSWER = "urgent"

# Answers that set one of these need a written rationale (flowchart spec, section 3).
RATIONALE_VARIABLES = frozenset({"decision", "consent_status", "harm_level", "public_interest", "approval"})


def frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Field:
    """An extra answer asked on the same page as a question; the engine never routes on it."""

    id: str
    label: str
    type: str = "text"
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    required: bool = False
    required_for: frozenset[str] = frozenset()
    required_when: State = field(default_factory=frozen)

    def is_required(self, *, answer: str | None, state: State) -> bool:
        if self.required:
            return True
        if answer is not None and answer in self.required_for:
            return True
        return bool(self.required_when) and matches(self.required_when, state)


@dataclass(frozen=True)
class Answer:
    id: str
    label: str
    next: str
    hint: str = ""
    set: State = field(default_factory=frozen)
    unless: State = field(default_factory=frozen)
    requires_rationale: bool = False
    line: int = 0
    next_line: int = 0

    def is_offered(self, state: State) -> bool:
        return not (self.unless and matches(self.unless, state))


@dataclass(frozen=True)
class Node:
    id: str
    question: str
    hint: str = ""
    sources: tuple[Source, ...] = ()
    case_studies: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = ()
    fields: tuple[Field, ...] = ()
    offers_not_sure: bool = True
    is_terminal: bool = False
    line: int = 0

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)

    def offered_answers(self, state: State) -> tuple[Answer, ...]:
        return tuple(a for a in self.answers if a.is_offered(state))


@dataclass(frozen=True)
class Urgent:
    label: str
    next: str
    guidance: tuple[str, ...] = ()
    set: State = field(default_factory=frozen)


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str
    summary: str = ""
    when: State = field(default_factory=frozen)
    when_any: tuple[State, ...] = ()
    requires_approval: bool = False
    approval: str = ""
    what_to_do: tuple[str, ...] = ()
    lawful_basis: tuple[str, ...] = ()
    record_must_contain: tuple[str, ...] = ()
    line: int = 0

    def applies_to(self, state: State) -> bool:
        all_hold = not self.when or matches(self.when, state)
        any_holds = not self.when_any or any(matches(c, state) for c in self.when_any)
        return all_hold and any_holds

    @property
    def is_retrospective(self) -> bool:
        return self.approval == "retrospective"


@dataclass(frozen=True)
class Flowchart:
    version: str
    title: str
    sha256: str
    nodes: Mapping[str, Node]
    outcomes: tuple[Outcome, ...]
    urgent: Urgent
    variables: Mapping[str, tuple[str, ...] | None]  # None means boolean
    credit: str = ""
    path: str = ""

    @property
    def terminal(self) -> Node:
        return next(n for n in self.nodes.values() if n.is_terminal)

    def node(self, node_id: str) -> Node:
        """The node with this id; KeyError if the flowchart has none."""
        return self.nodes[node_id]

    def outcome_for(self, state: State) -> Outcome:
        """The first outcome rule that matches; validation guarantees one does."""
        for outcome in self.outcomes:
            if outcome.applies_to(state):
                return outcome
        raise LookupError(f"no outcome rule matches {dict(state)}")

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)


def matches(condition: State, state: State) -> bool:
    return all(state.get(key) == value for key, value in condition.items())
