"""Prove the flowchart's safety rules over every walk it allows, or show a shortest walk that breaks one.

The search (search.py) visits every reachable situation once, keeping the variables that routes,
outcome rules, approval modes, retention rules, the checks themselves and (where a check looks at
what a page shows) the display texts can still read, plus the path facts the checks name. So a
check that holds in every situation the search visits holds on every walk, and the first
situation that breaks it, in breadth-first order, has a shortest walk to it: the counterexample,
as an answers file that `manage.py flowchart walk` replays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .loader import final_state_reads
from .model import Flowchart, RetentionClass, SafetyCheck, SafetyRule, State, condition_variables
from .safety import (
    SUBJECT_VARIABLES,
    Situation,
    check_reads,
    check_uses_text,
    evaluate,
    text_reads,
)
from .search import FACT_PREFIX, Exploration, Key, explore, live_variables, route_reads


@dataclass(frozen=True)
class Counterexample:
    rule: SafetyRule
    check: SafetyCheck
    steps: list[dict[str, str]]  # the answers file: [{"node", "answer"}...]
    at: str
    state: Mapping[str, Any]

    def describe(self) -> str:
        state = {k: v for k, v in self.state.items() if not k.startswith(FACT_PREFIX)}
        return f"{self.rule.id} ({self.rule.title}): broken at {self.at!r} with {state} (check on line {self.check.line})"


@dataclass
class Proof:
    rules: tuple[SafetyRule, ...]
    final_states: int
    situations: int
    broken: list[Counterexample] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    def summary(self) -> str:
        if self.ok:
            return f"proven {len(self.rules)} rules over {self.final_states} final states"
        ids = ", ".join(dict.fromkeys(c.rule.id for c in self.broken))
        return f"broken: {ids} ({len(self.rules)} rules over {self.final_states} final states)"


def _outcome_text_reads(flowchart: Flowchart) -> set[str]:
    reads: set[str] = set()
    for outcome in flowchart.outcomes:
        for group in (outcome.title_variants, outcome.summary_variants, outcome.what_to_do_items,
                      outcome.lawful_basis_items, outcome.record_must_contain_items):
            reads |= text_reads(group)
    return reads | text_reads(flowchart.after_sharing)


def _reads(flowchart: Flowchart) -> tuple[dict[str, set[str]], frozenset[str]]:
    """What the search must keep at each node, and the path facts it must track."""
    reads = route_reads(flowchart)
    terminal = flowchart.terminal.id
    reads[terminal] |= final_state_reads(flowchart)
    facts: set[str] = set()
    for rule in flowchart.safety:
        for check in rule.checks:
            needed = check_reads(check)
            facts |= {name for name in needed if name.startswith(FACT_PREFIX)}
            reads[check.at] |= needed
            if check_uses_text(check):
                if check.at == terminal:
                    reads[terminal] |= _outcome_text_reads(flowchart)
                else:
                    node = flowchart.node(check.at)
                    reads[check.at] |= text_reads(node.question_variants + node.hint_variants + node.more_variants)
    return reads, frozenset(facts)


def explore_for_proof(flowchart: Flowchart) -> Exploration:
    """Every reachable situation, keeping all that the safety rules and the approval workflow read."""
    reads, facts = _reads(flowchart)
    return explore(flowchart, live_variables(flowchart, reads), facts)


def final_states(flowchart: Flowchart) -> list[State]:
    """Every distinct final state a walk can end in (as far as any rule, mode or check can tell)."""
    exploration = explore_for_proof(flowchart)
    terminal = flowchart.terminal.id
    return [exploration.states[key] for key in exploration.order if key[0] == terminal]


def _pseudo(flowchart: Flowchart, state: State) -> dict[str, Any]:
    outcome = flowchart.outcome_for(state)
    retention = flowchart.retention_class_for(state)
    return {
        "outcome": outcome.id,
        "approval_mode": outcome.approval_mode_for(state),
        "shares": outcome.shares,
        "retention_class": retention.id if retention else None,
    }


def _subject(state: State) -> tuple[Any, ...]:
    return tuple(state.get(name) for name in SUBJECT_VARIABLES)


def prove(flowchart: Flowchart) -> Proof:
    """Check every safety rule in every reachable situation; keep the first break of each check."""
    exploration = explore_for_proof(flowchart)
    terminal = flowchart.terminal.id
    checks_at: dict[str, list[tuple[SafetyRule, SafetyCheck]]] = {}
    for rule in flowchart.safety:
        for check in rule.checks:
            checks_at.setdefault(check.at, []).append((rule, check))

    finals: list[tuple[Key, State, dict[str, Any]]] = [
        (key, exploration.states[key], _pseudo(flowchart, exploration.states[key]))
        for key in exploration.order if key[0] == terminal
    ]
    pseudo_of = {key: pseudo for key, _, pseudo in finals}
    classes_where: dict[tuple[tuple[Any, ...], int], set[RetentionClass]] = {}

    def not_shorter(state: State):
        own = flowchart.retention_class_for(state)

        def compare(than: Any) -> bool:
            # Every class a final state about the same person gets where `than` holds.
            cache_key = (_subject(state), id(than))
            if cache_key not in classes_where:
                classes_where[cache_key] = {
                    cls for _, other, other_pseudo in finals
                    if _subject(other) == _subject(state)
                    and evaluate(than, Situation(other, frozenset, other_pseudo))
                    and (cls := flowchart.retention_class_for(other)) is not None
                }
            others = classes_where[cache_key]
            return not others or (own is not None and all(own.at_least(other) for other in others))

        return compare

    broken: dict[tuple[str, int], Counterexample] = {}
    for key in exploration.order:
        at = key[0]
        checks = checks_at.get(at)
        if not checks:
            continue
        state = exploration.states[key]
        if at == terminal:
            pseudo = pseudo_of[key]
            outcome = flowchart.outcome_for(state)

            def shown(state=state, outcome=outcome) -> frozenset[str]:
                return frozenset(tag for item in outcome.shown_items(state, flowchart) for tag in item.tags)

            situation = Situation(state, shown, pseudo, not_shorter(state))
        else:
            node = flowchart.node(at)

            def shown(state=state, node=node) -> frozenset[str]:
                return frozenset(tag for item in node.shown_items(state) for tag in item.tags)

            situation = Situation(state, shown, {})
        for rule, check in checks:
            marker = (rule.id, check.line)
            if marker in broken:
                continue
            if check.if_ is not None and not evaluate(check.if_, situation):
                continue
            if not evaluate(check.require, situation):
                broken[marker] = Counterexample(rule, check, exploration.walk_to(key), at, dict(state))
    return Proof(
        rules=flowchart.safety, final_states=len(finals), situations=len(exploration.order),
        broken=sorted(broken.values(), key=lambda c: (int(c.rule.id[1:]), c.check.line)),
    )


def referenced_variables(flowchart: Flowchart) -> set[str]:
    """Every state variable some safety check reads (for tests that want each one to matter)."""
    names: set[str] = set()
    for rule in flowchart.safety:
        for check in rule.checks:
            names |= {n for n in check_reads(check) if not n.startswith(FACT_PREFIX)}
    return names | {n for o in flowchart.outcomes for c in o.approval_modes for n in condition_variables(c.when)}
