"""The flowchart as immutable data: what the YAML says, after validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

type StateValue = str | bool
type State = Mapping[str, StateValue]
# A clause maps a variable to one value, or to a tuple of values (any of them matches); every
# pair must hold.
type Clause = Mapping[str, StateValue | tuple[StateValue, ...]]


@dataclass(frozen=True)
class AnyOf:
    """A condition written in YAML as a list of mappings: it holds when any one of them does."""

    clauses: tuple[Clause, ...]

    def __bool__(self) -> bool:
        return bool(self.clauses)


# A condition is one clause, or any of several.
type Condition = Clause | AnyOf

START = "start"
ADVICE = "seek_advice"
NOT_SURE = "not_sure"
RETURN = "@return"
URGENT_NODE = "*"
URGENT_ANSWER = "urgent"

# Answers that set one of these need a written rationale (flowchart spec, section 3).
RATIONALE_VARIABLES = frozenset({"decision", "consent_status", "harm_level", "public_interest", "approval"})

# Values a ticked checkbox may arrive as from a form (`confirm` fields in `required_if`).
TICKED = frozenset({True, "on", "true", "yes", "1"})


def frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def matches(condition: Condition, state: State) -> bool:
    """Every pair holds: the state's value equals the value, or is one of a tuple of values.

    For `AnyOf`, any one of its clauses holds.
    """
    if isinstance(condition, AnyOf):
        return any(matches(clause, state) for clause in condition.clauses)
    for key, value in condition.items():
        actual = state.get(key)
        if isinstance(value, tuple):
            if actual not in value:
                return False
        elif actual != value:
            return False
    return True


def clauses_of(condition: Condition) -> tuple[Clause, ...]:
    """The clauses of a condition: one for a mapping (none if it is empty), each of an `AnyOf`."""
    if isinstance(condition, AnyOf):
        return condition.clauses
    return (condition,) if condition else ()


def condition_variables(condition: Condition) -> frozenset[str]:
    """Every variable a condition reads."""
    return frozenset(name for clause in clauses_of(condition) for name in clause)


def condition_values(value: Any) -> tuple[Any, ...]:
    """The values one condition pair accepts, as a tuple."""
    return value if isinstance(value, tuple) else (value,)


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


@dataclass(frozen=True)
class Text:
    """A piece of display text, shown only when `when` matches the state (always, if empty)."""

    text: str
    when: Condition = field(default_factory=frozen)
    line: int = 0
    # Names the safety rules look for ("referral", "adult_only"...): what a line is, not how it reads.
    tags: frozenset[str] = frozenset()

    def applies_to(self, state: State) -> bool:
        return not self.when or matches(self.when, state)

    def __str__(self) -> str:
        return self.text


def pick_variant(variants: tuple[Text, ...], default: str, state: State) -> str:
    """The text of the first variant whose `when` matches; `default` if there is none."""
    for variant in variants:
        if variant.applies_to(state):
            return variant.text
    return default


def pick_variant_item(variants: tuple[Text, ...], default: str, state: State) -> Text | None:
    """The first variant whose `when` matches, as a Text with its tags; the default as a plain Text."""
    for variant in variants:
        if variant.applies_to(state):
            return variant
    return Text(default) if default else None


def shown_texts(items: tuple[Text, ...], state: State) -> tuple[str, ...]:
    return tuple(item.text for item in items if item.applies_to(state))


def _plain(items: tuple[Text, ...]) -> tuple[str, ...]:
    return tuple(item.text for item in items if not item.when)


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Field:
    """An extra answer asked on the same page as a question; the engine never routes on it.

    `shown_for` limits the field to some answers (empty: every answer). `required_if` maps other
    field ids on the same page to a value (or a tuple of values) that makes this one required.
    """

    id: str
    label: str
    type: str = "text"
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    required: bool = False
    required_for: frozenset[str] = frozenset()
    required_when: Condition = field(default_factory=frozen)
    shown_for: frozenset[str] = frozenset()
    required_if: Condition = field(default_factory=frozen)
    line: int = 0
    # `number` fields only: the smallest and largest whole number accepted.
    minimum: int | None = None
    maximum: int | None = None
    # The page shows the field only in states that match (the state the question is asked in).
    shown_when: Condition = field(default_factory=frozen)

    def is_shown_for(self, answer: str | None) -> bool:
        """Whether the page shows (and keeps) this field when `answer` is chosen."""
        return not self.shown_for or answer is None or answer in self.shown_for

    def is_shown_in(self, state: State) -> bool:
        return not self.shown_when or matches(self.shown_when, state)

    def is_required(
        self, *, answer: str | None, state: State, values: Mapping[str, Any] | None = None,
        asked_in: State | None = None,
    ) -> bool:
        """Whether the field must have a value. `asked_in` is the state the question was asked in
        (for `shown_when`); without it, `state` is used."""
        if not self.is_shown_for(answer) or not self.is_shown_in(asked_in if asked_in is not None else state):
            return False
        if self.required:
            return True
        if answer is not None and answer in self.required_for:
            return True
        if self.required_when and matches(self.required_when, state):
            return True
        return bool(self.required_if) and _fields_match(self.required_if, values or {})


def _fields_match(condition: Condition, values: Mapping[str, Any]) -> bool:
    for field_id, expected in condition.items():
        actual = values.get(field_id)
        wanted = condition_values(expected)
        if any(isinstance(v, bool) for v in wanted):
            if (actual in TICKED) not in wanted:
                return False
        elif actual not in wanted:
            return False
    return True


@dataclass(frozen=True)
class Route:
    """One case of an answer's `next`: taken when `when` matches (an empty `when` always does)."""

    when: Condition = field(default_factory=frozen)
    next: str = ""
    set: State = field(default_factory=frozen)
    line: int = 0


@dataclass(frozen=True)
class Answer:
    """An answer to a node. `next` is the default route's target; `routes` holds every case.

    A plain `next: node` gives one route with no `when`; a list of cases gives one route per case,
    the last (default) one with no `when`. `routes` is never empty.
    """

    id: str
    label: str
    next: str
    hint: str = ""
    set: State = field(default_factory=frozen)
    unless: Condition = field(default_factory=frozen)
    requires_rationale: bool = False
    line: int = 0
    next_line: int = 0
    only_when: Condition = field(default_factory=frozen)
    routes: tuple[Route, ...] = ()

    def __post_init__(self) -> None:
        if not self.routes:
            object.__setattr__(self, "routes", (Route(next=self.next, line=self.next_line),))

    @property
    def is_conditional(self) -> bool:
        return len(self.routes) > 1

    def is_offered(self, state: State) -> bool:
        if self.only_when and not matches(self.only_when, state):
            return False
        return not (self.unless and matches(self.unless, state))

    def route_for(self, state: State) -> Route:
        """The first route whose `when` matches `state` (the state the question was asked in)."""
        for route in self.routes:
            if not route.when or matches(route.when, state):
                return route
        return self.routes[-1]


@dataclass(frozen=True)
class Node:
    """A question. `question` and `hint` are the default texts; `*_variants` hold any alternatives."""

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
    question_variants: tuple[Text, ...] = ()
    hint_variants: tuple[Text, ...] = ()
    # The rest of a long hint, shown behind "More about this" on the page.
    more: str = ""
    more_variants: tuple[Text, ...] = ()

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)

    def offered_answers(self, state: State) -> tuple[Answer, ...]:
        return tuple(a for a in self.answers if a.is_offered(state))

    def question_for(self, state: State) -> str:
        return pick_variant(self.question_variants, self.question, state)

    def hint_for(self, state: State) -> str:
        return pick_variant(self.hint_variants, self.hint, state)

    def more_for(self, state: State) -> str:
        return pick_variant(self.more_variants, self.more, state)

    def shown_items(self, state: State) -> tuple[Text, ...]:
        """The question, hint and "More about this" texts the page shows in `state`, with their tags."""
        picked = (
            pick_variant_item(self.question_variants, self.question, state),
            pick_variant_item(self.hint_variants, self.hint, state),
            pick_variant_item(self.more_variants, self.more, state),
        )
        return tuple(item for item in picked if item is not None)


@dataclass(frozen=True)
class Urgent:
    """The "someone is in danger now" button: where it leads (by the state, if it has cases)."""

    label: str
    next: str
    guidance: tuple[str, ...] = ()
    set: State = field(default_factory=frozen)
    routes: tuple[Route, ...] = ()

    def __post_init__(self) -> None:
        if not self.routes:
            object.__setattr__(self, "routes", (Route(next=self.next),))

    def route_for(self, state: State) -> Route:
        for route in self.routes:
            if not route.when or matches(route.when, state):
                return route
        return self.routes[-1]


APPROVAL_MODES = ("none", "before_sharing", "after_sharing")


@dataclass(frozen=True)
class ModeCase:
    """One case of an outcome's `approval_mode`: this mode when `when` matches (always, if empty)."""

    mode: str
    when: Condition = field(default_factory=frozen)
    line: int = 0


@dataclass(frozen=True)
class OutcomeText:
    """An outcome's texts for one final state: variants chosen, conditional lines filtered."""

    title: str
    summary: str
    what_to_do: tuple[str, ...]
    lawful_basis: tuple[str, ...]
    record_must_contain: tuple[str, ...]
    reminder: str
    after_sharing: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """An outcome rule and its texts.

    `title` and `summary` are the default variants; `what_to_do`, `lawful_basis` and
    `record_must_contain` hold the lines shown whatever the state. The `*_variants` and `*_items`
    keep everything, conditions included: use `text_for(state, flowchart)` to display an outcome.
    """

    id: str
    title: str
    summary: str = ""
    when: Condition = field(default_factory=frozen)
    when_any: tuple[Condition, ...] = ()
    requires_approval: bool = False
    approval: str = ""
    what_to_do: tuple[str, ...] = ()
    lawful_basis: tuple[str, ...] = ()
    record_must_contain: tuple[str, ...] = ()
    line: int = 0
    shares: bool = False
    title_variants: tuple[Text, ...] = ()
    summary_variants: tuple[Text, ...] = ()
    what_to_do_items: tuple[Text, ...] = ()
    lawful_basis_items: tuple[Text, ...] = ()
    record_must_contain_items: tuple[Text, ...] = ()
    # Flowcharts from 1.2 declare the approval mode per final state; earlier ones use
    # `requires_approval` and `approval: retrospective` (see `approval_mode_for`).
    approval_modes: tuple[ModeCase, ...] = ()

    def __post_init__(self) -> None:
        for name in ("what_to_do", "lawful_basis", "record_must_contain"):
            items, plain = getattr(self, f"{name}_items"), getattr(self, name)
            if items and not plain:
                object.__setattr__(self, name, _plain(items))
            elif plain and not items:
                object.__setattr__(self, f"{name}_items", tuple(Text(text) for text in plain))

    def applies_to(self, state: State) -> bool:
        all_hold = not self.when or matches(self.when, state)
        any_holds = not self.when_any or any(matches(c, state) for c in self.when_any)
        return all_hold and any_holds

    @property
    def is_retrospective(self) -> bool:
        return self.approval == "retrospective"

    def approval_mode_for(self, state: State) -> str:
        """`none`, `before_sharing` (the approver decides first) or `after_sharing` (share now, reviewed after).

        Files before 1.2 say it per outcome: a retrospective approval is after sharing, any other
        approval before.
        """
        for case in self.approval_modes:
            if not case.when or matches(case.when, state):
                return case.mode
        if not self.requires_approval:
            return "none"
        return "after_sharing" if self.is_retrospective else "before_sharing"

    def shown_items(self, state: State, flowchart: Flowchart | None = None) -> tuple[Text, ...]:
        """Every text the outcome page shows for `state`, with its tags (for the safety rules)."""
        items: list[Text] = []
        for variants, default in ((self.title_variants, self.title), (self.summary_variants, self.summary)):
            picked = pick_variant_item(variants, default, state)
            if picked is not None:
                items.append(picked)
        for group in (self.what_to_do_items, self.lawful_basis_items, self.record_must_contain_items):
            items.extend(item for item in group if item.applies_to(state))
        if flowchart is not None:
            if flowchart.reminder:
                items.append(Text(flowchart.reminder, tags=frozenset({"reminder"})))
            if self.shares:
                items.extend(item for item in flowchart.after_sharing if item.applies_to(state))
        return tuple(items)

    def text_for(self, state: State, flowchart: Flowchart | None = None) -> OutcomeText:
        return OutcomeText(
            title=pick_variant(self.title_variants, self.title, state),
            summary=pick_variant(self.summary_variants, self.summary, state),
            what_to_do=shown_texts(self.what_to_do_items, state),
            lawful_basis=shown_texts(self.lawful_basis_items, state),
            record_must_contain=shown_texts(self.record_must_contain_items, state),
            reminder=flowchart.reminder if flowchart else "",
            after_sharing=shown_texts(flowchart.after_sharing, state) if flowchart and self.shares else (),
        )


APPROVER_RESULTS = {
    "before_sharing": ("approved", "returned", "not_approved", "escalated"),
    "after_sharing": ("agreed", "returned", "disagreed"),
}


@dataclass(frozen=True)
class ApproverAnswer:
    """What an approver may answer, for one approval mode, offered by the decision's final state."""

    id: str
    label: str
    result: str
    hint: str = ""
    unless: Condition = field(default_factory=frozen)
    only_when: Condition = field(default_factory=frozen)
    line: int = 0

    def is_offered(self, state: State) -> bool:
        if self.only_when and not matches(self.only_when, state):
            return False
        return not (self.unless and matches(self.unless, state))


# Before 1.2 the approver's answers were not data: approve, return or not approve, in every case.
LEGACY_APPROVER_ANSWERS = {
    mode: (
        ApproverAnswer("approve", "Approve", "approved"),
        ApproverAnswer("return", "Return it with a question", "returned"),
        ApproverAnswer("not_approve", "Do not approve", "not_approved"),
    )
    for mode in ("before_sharing", "after_sharing")
}


@dataclass(frozen=True)
class RetentionClass:
    """How long a decision keeps its words: `years` after the decision, and, for a child, at least
    until their `until_age` birthday."""

    id: str
    label: str
    years: int
    until_age: int | None = None
    line: int = 0

    def at_least(self, other: RetentionClass) -> bool:
        """Never shorter than `other`, whatever the dates."""
        return self.years >= other.years and (other.until_age is None or (self.until_age or 0) >= other.until_age)


@dataclass(frozen=True)
class RetentionRule:
    class_id: str
    when: Condition = field(default_factory=frozen)
    line: int = 0


@dataclass(frozen=True)
class SafetyCheck:
    """One formal check of a safety rule: wherever `at` is reached (a node, or `record` for the
    final states) in a state where `if_` holds, `require` must hold. See isg/engine/prove.py."""

    at: str
    require: Any
    if_: Any = None
    line: int = 0


@dataclass(frozen=True)
class SafetyRule:
    id: str
    title: str
    text: str
    checks: tuple[SafetyCheck, ...]
    sources: tuple[Source, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class GlossaryTerm:
    id: str
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    line: int = 0

    @property
    def names(self) -> tuple[str, ...]:
        """The term and its aliases: every wording that should link to this entry."""
        return (self.term, *self.aliases)


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
    reminder: str = ""
    after_sharing: tuple[Text, ...] = ()
    glossary: tuple[GlossaryTerm, ...] = ()
    approver_answers: Mapping[str, tuple[ApproverAnswer, ...]] = field(default_factory=frozen)
    retention_classes: tuple[RetentionClass, ...] = ()
    retention_rules: tuple[RetentionRule, ...] = ()
    safety: tuple[SafetyRule, ...] = ()
    hint_word_limit: int | None = None

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

    def glossary_term(self, term_id: str) -> GlossaryTerm | None:
        return next((t for t in self.glossary if t.id == term_id), None)

    def approval_mode_for(self, state: State) -> str:
        """The approval mode a walk ending in `state` declares (`none` if no outcome applies yet)."""
        outcome = next((o for o in self.outcomes if o.applies_to(state)), None)
        return outcome.approval_mode_for(state) if outcome else "none"

    def approver_answers_for(self, mode: str, state: State) -> tuple[ApproverAnswer, ...]:
        """What the approver may answer for a decision in this mode that ended in `state`."""
        answers = self.approver_answers.get(mode) if self.approver_answers else LEGACY_APPROVER_ANSWERS.get(mode)
        return tuple(a for a in answers or () if a.is_offered(state))

    def retention_class_for(self, state: State) -> RetentionClass | None:
        by_id = {c.id: c for c in self.retention_classes}
        for rule in self.retention_rules:
            if not rule.when or matches(rule.when, state):
                return by_id.get(rule.class_id)
        return None
