"""The safety rules' check language: read from the flowchart's `safety:` section, evaluated by prove.py.

A check says: wherever the walk reaches `at` (a node, or the terminal node for its final states) in
a situation where `if` holds (and `unless` does not), `require` must hold. An expression is one of

    {variable: value}            a state clause, as in `when` (a list of values means any of them,
                                 `null` means the variable is unset); at the terminal node also the
                                 pseudo-variables `outcome`, `approval_mode`, `shares` and
                                 `retention_class`, which the final state decides
    {all: [expr, ...]}           every one holds
    {any: [expr, ...]}           at least one holds
    {not: expr}                  it does not hold
    {passed: node}               the walk answered that node on its way here
    {passed: {node: answer}}     ... with that answer (or one of a list of answers)
    {shows: tag}                 the page shown here includes a text tagged so (a list: all of them)
    {hides: tag}                 ... includes none of the texts tagged so
    {at_least: {name: number}}   terminal only: `retention_years` or `retention_until_age` is at least
                                 the number (an unset value is not)
    {retention_not_shorter_than: expr}
                                 terminal only: this final state keeps its record at least as long
                                 as any final state about the same person where `expr` holds
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import APPROVAL_MODES, Node, Outcome, RetentionClass, SafetyCheck, SafetyRule, State, Text
from .reader import Reader, describe
from .search import fact_name
from .yamlsource import LocatedDict, LocatedList

RULE_ID_PREFIX = "S"
PSEUDO_VARIABLES = ("outcome", "approval_mode", "shares", "retention_class", "retention_years", "retention_until_age")
NUMERIC_PSEUDO_VARIABLES = ("retention_years", "retention_until_age")
SPECIAL_KEYS = ("all", "any", "not", "passed", "shows", "hides", "at_least", "retention_not_shorter_than")
# `at` may name a node, the terminal node, or every question at once.
EVERY_QUESTION = "any_question"
# Who the information is about: `retention_not_shorter_than` compares final states about the same person.
SUBJECT_VARIABLES = ("subject_type", "mother_age")


# -- the expressions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    pairs: tuple[tuple[str, tuple[Any, ...]], ...]  # None in the values means unset


@dataclass(frozen=True)
class AllOf:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class AnyOfExpr:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Passed:
    node: str
    answers: tuple[str, ...] = ()  # empty: any answer

    @property
    def fact(self) -> str:
        return fact_name(self.node, self.answers)


@dataclass(frozen=True)
class Shows:
    tags: tuple[str, ...]
    all_shown: bool = True  # False: `hides`, none of them shown


@dataclass(frozen=True)
class RetentionNotShorter:
    than: Any


@dataclass(frozen=True)
class AtLeast:
    name: str
    number: int


@dataclass
class Situation:
    """What a check sees: the state (with path facts), the texts shown here, and at the terminal node
    the pseudo-variables. `retention_not_shorter` answers the relational check (prove.py)."""

    state: State
    shown: Callable[[], frozenset[str]]
    pseudo: Mapping[str, Any]
    retention_not_shorter: Callable[[Any], bool] | None = None


def evaluate(expr: Any, situation: Situation) -> bool:
    match expr:
        case Clause(pairs):
            for name, values in pairs:
                actual = situation.pseudo[name] if name in situation.pseudo else situation.state.get(name)
                if actual not in values:
                    return False
            return True
        case AllOf(items):
            return all(evaluate(item, situation) for item in items)
        case AnyOfExpr(items):
            return any(evaluate(item, situation) for item in items)
        case Not(item):
            return not evaluate(item, situation)
        case Passed():
            return bool(situation.state.get(expr.fact))
        case Shows(tags, all_shown):
            shown = situation.shown()
            return all(t in shown for t in tags) if all_shown else not any(t in shown for t in tags)
        case RetentionNotShorter(than):
            return situation.retention_not_shorter is not None and situation.retention_not_shorter(than)
        case AtLeast(name, number):
            actual = situation.pseudo.get(name)
            return actual is not None and actual >= number
    raise TypeError(f"not a check expression: {expr!r}")


def walk_expr(expr: Any):
    """Every sub-expression, `expr` included."""
    yield expr
    match expr:
        case AllOf(items) | AnyOfExpr(items):
            for item in items:
                yield from walk_expr(item)
        case Not(item) | RetentionNotShorter(item):
            yield from walk_expr(item)


def reads_of(expr: Any) -> set[str]:
    """The state variables and path facts an expression reads (pseudo-variables are not state)."""
    reads: set[str] = set()
    for sub in walk_expr(expr):
        match sub:
            case Clause(pairs):
                reads |= {name for name, _ in pairs if name not in PSEUDO_VARIABLES}
            case Passed():
                reads.add(sub.fact)
            case RetentionNotShorter():
                reads |= set(SUBJECT_VARIABLES)
    return reads


def uses_text(expr: Any) -> bool:
    return any(isinstance(sub, Shows) for sub in walk_expr(expr))


def uses_pseudo(expr: Any) -> bool:
    return any(
        isinstance(sub, RetentionNotShorter | AtLeast)
        or (isinstance(sub, Clause) and any(name in PSEUDO_VARIABLES for name, _ in sub.pairs))
        for sub in walk_expr(expr)
    )


def text_reads(items: tuple[Text, ...]) -> set[str]:
    from .model import condition_variables

    return {name for item in items for name in condition_variables(item.when)}


def check_reads(check: SafetyCheck) -> set[str]:
    reads = reads_of(check.require)
    if check.if_ is not None:
        reads |= reads_of(check.if_)
    return reads


def check_uses_text(check: SafetyCheck) -> bool:
    return uses_text(check.require) or (check.if_ is not None and uses_text(check.if_))


# -- reading them from the YAML ------------------------------------------------------------------


def read_safety(
    reader: Reader, top: LocatedDict, checker, nodes: list[Node], outcomes: list[Outcome],
    retention_classes: tuple[RetentionClass, ...],
) -> tuple[SafetyRule, ...]:
    items = reader.sequence(top, "safety", "the flowchart")
    parser = _Parser(reader, checker, {n.id: n for n in nodes}, outcomes, retention_classes)
    rules: list[SafetyRule] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        raw = reader.mapping(item, items.line_of(index), "each safety rule")
        if raw is None:
            continue
        reader.keys(raw, "a safety rule", required=("id", "title", "rule", "checks"), optional=("sources",))
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not rule_id.startswith(RULE_ID_PREFIX) or not rule_id[1:].isdigit():
            reader.fail(raw.line_of("id"), f"a safety rule's id is S and a number (S1, S2...), not {describe(rule_id)}")
            rule_id = str(rule_id)
        elif rule_id in seen:
            reader.fail(raw.line_of("id"), f"duplicate safety rule {rule_id!r} (first on line {seen[rule_id]})")
        seen[rule_id] = raw.line_of("id")
        what = f"safety rule {rule_id!r}"
        checks = []
        check_items = reader.sequence(raw, "checks", what, required=True)
        if not check_items:
            reader.fail(raw.line_of("checks"), f"{what} has no checks: a rule the engine cannot check is not proven")
        for check_index, check_item in enumerate(check_items):
            check = parser.check(check_item, check_items.line_of(check_index), f"check {check_index + 1} of {what}")
            if check is not None:
                checks.append(check)
        from .loader import _sources  # the loader imports this module while it reads

        rules.append(SafetyRule(
            id=rule_id, title=reader.text(raw, "title", what), text=reader.text(raw, "rule", what),
            checks=tuple(checks), sources=_sources(reader, raw, what), line=raw.line_of("id"),
        ))
    return tuple(rules)


class _Parser:
    def __init__(self, reader: Reader, checker, nodes: dict[str, Node], outcomes: list[Outcome],
                 retention_classes: tuple[RetentionClass, ...]) -> None:
        self.reader, self.checker, self.nodes = reader, checker, nodes
        terminal = next((n for n in nodes.values() if n.is_terminal), None)
        self.terminal = terminal.id if terminal else "record"
        self.pseudo_values: dict[str, tuple[Any, ...]] = {
            "outcome": tuple(o.id for o in outcomes),
            "approval_mode": APPROVAL_MODES,
            "shares": (True, False),
            "retention_class": tuple(c.id for c in retention_classes),
        }

    def check(self, item: Any, line: int, what: str) -> SafetyCheck | None:
        raw = self.reader.mapping(item, line, what)
        if raw is None:
            return None
        self.reader.keys(raw, what, required=("at", "require"), optional=("if", "unless"))
        at = raw.get("at")
        if not isinstance(at, str) or (at not in self.nodes and at != EVERY_QUESTION):
            self.reader.fail(
                raw.line_of("at"),
                f"{what}: `at` must name a node ({self.terminal!r} for the final states, {EVERY_QUESTION!r} for every question), not {describe(at)}",
            )
            return None
        final = at == self.terminal
        require = self.expr(raw.get("require"), raw.line_of("require"), f"`require` of {what}", final)
        condition = self.expr(raw["if"], raw.line_of("if"), f"`if` of {what}", final) if "if" in raw else None
        if "unless" in raw:
            unless = Not(self.expr(raw["unless"], raw.line_of("unless"), f"`unless` of {what}", final))
            condition = unless if condition is None else AllOf((condition, unless))
        return SafetyCheck(at=at, require=require, if_=condition, line=raw.line)

    def expr(self, value: Any, line: int, what: str, final: bool) -> Any:
        if not isinstance(value, LocatedDict) or not value:
            self.reader.fail(line, f"{what} must be a mapping (a clause, or one of {', '.join(SPECIAL_KEYS)}), not {describe(value)}")
            return AllOf(())
        special = [key for key in value if key in SPECIAL_KEYS]
        if special:
            if len(value) != 1:
                self.reader.fail(line, f"{what}: `{special[0]}` stands alone in its mapping")
                return AllOf(())
            return self._special(special[0], value[special[0]], value.line_of(special[0]), what, final)
        pairs = []
        for name, raw_values in value.items():
            pair_line = value.line_of(name)
            values = tuple(raw_values) if isinstance(raw_values, LocatedList) else (raw_values,)
            if not values:
                self.reader.fail(pair_line, f"{what}: the list of values for {name!r} is empty")
                continue
            if name in NUMERIC_PSEUDO_VARIABLES:
                self.reader.fail(pair_line, f"{what}: {name!r} is a number: compare it with `at_least`")
                continue
            if name in self.pseudo_values:
                if not final:
                    self.reader.fail(pair_line, f"{what}: {name!r} is known only at {self.terminal!r}, the final states")
                    continue
                bad = [v for v in values if v is not None and v not in self.pseudo_values[name]]
                if bad:
                    self.reader.fail(pair_line, f"{what}: {describe(bad[0])} is not a value of {name!r}")
                    continue
            else:
                ok = True
                for v in values:
                    # null means unset; anything else must be one of the variable's values
                    if v is not None and not self.checker.pair(pair_line, name, v, what):
                        ok = False
                    elif v is None and name not in self.checker.variables:
                        self.reader.fail(pair_line, f"{what} uses the unknown variable {name!r}")
                        ok = False
                if not ok:
                    continue
            pairs.append((name, values))
        return Clause(tuple(pairs))

    def _special(self, key: str, value: Any, line: int, what: str, final: bool) -> Any:
        if key in ("all", "any"):
            if not isinstance(value, LocatedList) or not value:
                self.reader.fail(line, f"{what}: `{key}` takes a non-empty list of expressions")
                return AllOf(())
            items = tuple(self.expr(item, value.line_of(i), f"{what} ({key} item {i + 1})", final) for i, item in enumerate(value))
            return AllOf(items) if key == "all" else AnyOfExpr(items)
        if key == "not":
            return Not(self.expr(value, line, f"{what} (not)", final))
        if key == "passed":
            if isinstance(value, str):
                node_id, answers = value, ()
            elif isinstance(value, LocatedDict) and len(value) == 1:
                node_id, raw_answers = next(iter(value.items()))
                answers = tuple(raw_answers) if isinstance(raw_answers, LocatedList) else (raw_answers,)
            else:
                self.reader.fail(line, f"{what}: `passed` takes a node id or {{node: answer}}, not {describe(value)}")
                return AllOf(())
            node = self.nodes.get(node_id) if isinstance(node_id, str) else None
            if node is None and node_id != "*":
                self.reader.fail(line, f"{what}: `passed` names {describe(node_id)}, which is not a node")
                return AllOf(())
            for answer in answers:
                if node is not None and (not isinstance(answer, str) or node.answer(answer) is None):
                    self.reader.fail(line, f"{what}: {describe(answer)} is not an answer of {node_id!r}")
                    return AllOf(())
            return Passed(node_id, tuple(answers))
        if key in ("shows", "hides"):
            tags = tuple(value) if isinstance(value, LocatedList) else (value,)
            if not tags or not all(isinstance(t, str) and t for t in tags):
                self.reader.fail(line, f"{what}: `{key}` takes a tag or a list of tags, not {describe(value)}")
                return AllOf(())
            return Shows(tags, all_shown=key == "shows")
        if key == "at_least":
            if not final:
                self.reader.fail(line, f"{what}: `at_least` is known only at {self.terminal!r}, the final states")
                return AllOf(())
            if not isinstance(value, LocatedDict) or len(value) != 1:
                self.reader.fail(line, f"{what}: `at_least` takes one {{name: number}}, not {describe(value)}")
                return AllOf(())
            name, number = next(iter(value.items()))
            if name not in NUMERIC_PSEUDO_VARIABLES or not isinstance(number, int) or isinstance(number, bool):
                self.reader.fail(line, f"{what}: `at_least` compares {' or '.join(NUMERIC_PSEUDO_VARIABLES)} with a whole number")
                return AllOf(())
            return AtLeast(name, number)
        # retention_not_shorter_than
        if not final:
            self.reader.fail(line, f"{what}: `retention_not_shorter_than` is known only at {self.terminal!r}, the final states")
            return AllOf(())
        return RetentionNotShorter(self.expr(value, line, f"{what} (retention_not_shorter_than)", final))
