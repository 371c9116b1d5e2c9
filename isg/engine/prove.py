"""Prove the flowchart's safety rules over every walk it allows, or show a shortest walk that breaks one.

The search (search.py) visits every reachable situation once, keeping only the variables that some
later condition can still read. Each check needs its own few variables on top of the ones that route
a walk (the ones its clauses name; for `shows` and `hides`, the ones that choose the lines carrying
its tags; for the pseudo-variables, the ones the outcome rules, approval modes or retention rules
read; and the path facts it names), so checks are grouped by what they need and each group gets
its own search. A check that holds in every situation its search visits holds on every walk, and
the first situation that breaks it, in breadth-first order, has a shortest walk to it: the
counterexample, as an answers file that `manage.py flowchart walk` replays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Flowchart, Outcome, RetentionClass, SafetyCheck, SafetyRule, State, Text, condition_variables
from .safety import (
    EVERY_QUESTION,
    PSEUDO_VARIABLES,
    SUBJECT_VARIABLES,
    AtLeast,
    Clause,
    Passed,
    RetentionNotShorter,
    Shows,
    Situation,
    evaluate,
    walk_expr,
)
from .search import (
    FACT_PREFIX,
    Exploration,
    Liveness,
    cycle_collection_paused,
    explore,
    live_variables,
    route_reads,
    routing_conditions,
    value_classes,
)
from .walk import Step, replay


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


@dataclass(frozen=True)
class ApprovalGap:
    """A final state whose approval mode leaves the approver no way to approve or agree."""

    outcome: str
    mode: str
    steps: list[dict[str, str]]
    line: int

    def describe(self) -> str:
        return f"outcome {self.outcome!r} needs approval {self.mode!r}, but the approver can neither approve nor agree"


@dataclass
class Proof:
    rules: tuple[SafetyRule, ...]
    final_states: int  # the most distinct final states any one search examined
    situations: int  # every situation visited, over all the searches
    broken: list[Counterexample] = field(default_factory=list)
    approval_gaps: list[ApprovalGap] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken and not self.approval_gaps

    def summary(self) -> str:
        if self.ok:
            return f"proven {len(self.rules)} rules over {self.final_states} final states"
        ids = [*dict.fromkeys(c.rule.id for c in self.broken), *(["approval"] if self.approval_gaps else [])]
        return f"broken: {', '.join(ids)} ({len(self.rules)} rules over {self.final_states} final states)"


# -- what a check needs the search to keep ---------------------------------------------------------


def _tagged_reads(items: Iterable[Text], tags: set[str], *, variants: bool) -> set[str]:
    """The variables that decide whether a line carrying one of `tags` shows.

    For variants (one of them shows) every earlier variant's condition decides too.
    """
    items = tuple(items)
    if not any(item.tags & tags for item in items):
        return set()
    if variants:
        return {name for item in items for name in condition_variables(item.when)}
    return {name for item in items if item.tags & tags for name in condition_variables(item.when)}


def _outcome_tag_reads(flowchart: Flowchart, tags: set[str]) -> set[str]:
    reads: set[str] = set()
    for outcome in flowchart.outcomes:
        reads |= _tagged_reads(outcome.title_variants, tags, variants=True)
        reads |= _tagged_reads(outcome.summary_variants, tags, variants=True)
        for group in (outcome.what_to_do_items, outcome.lawful_basis_items, outcome.record_must_contain_items):
            reads |= _tagged_reads(group, tags, variants=False)
    return reads | _tagged_reads(flowchart.after_sharing, tags, variants=False)


def _node_tag_reads(flowchart: Flowchart, node_id: str, tags: set[str]) -> set[str]:
    node = flowchart.node(node_id)
    reads: set[str] = set()
    for group in (node.question_variants, node.hint_variants, node.more_variants):
        reads |= _tagged_reads(group, tags, variants=True)
    return reads


def _pseudo_reads(flowchart: Flowchart, names: set[str]) -> set[str]:
    reads: set[str] = set()
    if "approval_mode" in names:
        reads |= {n for o in flowchart.outcomes for c in o.approval_modes for n in condition_variables(c.when)}
    if names & {"retention_class", "retention_years", "retention_until_age"}:
        reads |= {n for r in flowchart.retention_rules for n in condition_variables(r.when)}
    return reads  # `outcome` and `shares` read the outcome rules, which the routing reads keep already


def places(flowchart: Flowchart, check: SafetyCheck) -> tuple[str, ...]:
    if check.at == EVERY_QUESTION:
        return tuple(n.id for n in flowchart.nodes.values() if not n.is_terminal)
    return (check.at,)


@dataclass(frozen=True)
class _Plan:
    """What one search keeps: extra reads per node, the path facts, and conditions for value classes."""

    reads: frozenset[tuple[str, frozenset[str]]]
    facts: frozenset[str]
    clauses: tuple[tuple[tuple[str, tuple[Any, ...]], ...], ...]


def _plan(flowchart: Flowchart, check: SafetyCheck) -> _Plan:
    terminal = flowchart.terminal.id
    state_reads: set[str] = set()
    facts: set[str] = set()
    tags: set[str] = set()
    pseudo: set[str] = set()
    clauses = []
    for expr in (check.require, check.if_):
        for sub in walk_expr(expr) if expr is not None else ():
            match sub:
                case Clause(pairs):
                    state_reads |= {name for name, _ in pairs if name not in PSEUDO_VARIABLES}
                    pseudo |= {name for name, _ in pairs if name in PSEUDO_VARIABLES}
                    clauses.append(tuple((n, v) for n, v in pairs if n not in PSEUDO_VARIABLES))
                case Passed():
                    facts.add(sub.fact)
                case Shows(found):
                    tags |= set(found)
                case AtLeast(name, _):
                    pseudo.add(name)
                case RetentionNotShorter():
                    pseudo.add("retention_class")
                    state_reads |= set(SUBJECT_VARIABLES)
    reads: dict[str, set[str]] = {}
    for at in places(flowchart, check):
        needed = state_reads | facts
        if at == terminal:
            needed |= _outcome_tag_reads(flowchart, tags) | _pseudo_reads(flowchart, pseudo)
        else:
            needed |= _node_tag_reads(flowchart, at, tags)
        reads[at] = needed
    return _Plan(
        reads=frozenset((at, frozenset(names)) for at, names in reads.items()),
        facts=frozenset(facts),
        clauses=tuple(clauses),
    )


@dataclass(frozen=True)
class _SearchInputs:
    """Everything `explore` reads besides the flowchart, for one plan."""

    live: Liveness
    facts: frozenset[str]
    classes: dict[str, dict[object, object]]

    @property
    def identity(self) -> tuple:
        """Equal for plans that differ yet keep the same variables, facts and value classes
        everywhere: their searches are the same."""
        return (
            self.live.context, frozenset(self.live.table.items()), frozenset(self.live.fallback.items()), self.facts,
            frozenset((name, frozenset(alike.items())) for name, alike in self.classes.items()),
        )


def _search_inputs(flowchart: Flowchart, plan: _Plan) -> _SearchInputs:
    reads = route_reads(flowchart)
    for at, names in plan.reads:
        reads[at] = reads[at] | set(names)
    conditions = routing_conditions(flowchart) + [dict(clause) for clause in plan.clauses]
    return _SearchInputs(live_variables(flowchart, reads), plan.facts, value_classes(flowchart, conditions))


def _search(flowchart: Flowchart, plan: _Plan) -> Exploration:
    inputs = _search_inputs(flowchart, plan)
    return explore(flowchart, inputs.live, inputs.facts, classes=inputs.classes)


class _SharedSearches:
    """The searches of one proof, each made once and kept only until the last plan that needs it
    has had it: a search holds tens of thousands of states."""

    def __init__(self, flowchart: Flowchart, plans: list[_Plan]) -> None:
        self.flowchart = flowchart
        self.inputs = {plan: _search_inputs(flowchart, plan) for plan in plans}
        self.identity = {plan: inputs.identity for plan, inputs in self.inputs.items()}
        self.uses = Counter(self.identity[plan] for plan in plans)
        self.kept: dict[tuple, Exploration] = {}

    def __call__(self, plan: _Plan) -> Exploration:
        inputs, identity = self.inputs[plan], self.identity[plan]
        exploration = self.kept.pop(identity, None)
        if exploration is None:
            exploration = explore(self.flowchart, inputs.live, inputs.facts, classes=inputs.classes)
        self.uses[identity] -= 1
        if self.uses[identity] > 0:
            self.kept[identity] = exploration
        return exploration


# -- the proof --------------------------------------------------------------------------------------


def _pseudo(flowchart: Flowchart, state: State) -> dict[str, Any]:
    outcome = flowchart.outcome_for(state)
    retention = flowchart.retention_class_for(state)
    return {
        "outcome": outcome.id,
        "approval_mode": outcome.approval_mode_for(state),
        "shares": outcome.shares,
        "retention_class": retention.id if retention else None,
        "retention_years": retention.years if retention else None,
        "retention_until_age": retention.until_age if retention else None,
    }


def _subject(state: State) -> tuple[Any, ...]:
    return tuple(state.get(name) for name in SUBJECT_VARIABLES)


def _shown_tags(items: Iterable[Text]) -> frozenset[str]:
    return frozenset(tag for item in items for tag in item.tags)


def _check_group(
    flowchart: Flowchart, exploration: Exploration, checks: list[tuple[SafetyRule, SafetyCheck]],
) -> tuple[list[Counterexample], int]:
    """Evaluate `checks` in every situation of one search; the first break of each is kept."""
    terminal = flowchart.terminal.id
    checks_at: dict[str, list[tuple[SafetyRule, SafetyCheck]]] = {}
    for rule, check in checks:
        for at in places(flowchart, check):
            checks_at.setdefault(at, []).append((rule, check))
    finals = [(key, exploration.states[key]) for key in exploration.order if key[0] == terminal]
    pseudo_of = {key: _pseudo(flowchart, state) for key, state in finals}
    classes_where: dict[tuple[tuple[Any, ...], int], set[RetentionClass]] = {}

    def not_shorter(state: State):
        own = flowchart.retention_class_for(state)

        def compare(than: Any) -> bool:
            # Every class a final state about the same person gets where `than` holds.
            cache_key = (_subject(state), id(than))
            if cache_key not in classes_where:
                classes_where[cache_key] = {
                    cls for key, other in finals
                    if _subject(other) == _subject(state)
                    and evaluate(than, Situation(other, frozenset, pseudo_of[key]))
                    and (cls := flowchart.retention_class_for(other)) is not None
                }
            others = classes_where[cache_key]
            return not others or (own is not None and all(own.at_least(other) for other in others))

        return compare

    broken: dict[tuple[str, int], Counterexample] = {}
    for key in exploration.order:
        at = key[0]
        here = checks_at.get(at)
        if not here:
            continue
        state = exploration.states[key]
        if at == terminal:
            outcome: Outcome = flowchart.outcome_for(state)
            situation = Situation(
                state, lambda s=state, o=outcome: _shown_tags(o.shown_items(s, flowchart)), pseudo_of[key],
                not_shorter(state),
            )
        else:
            node = flowchart.node(at)
            situation = Situation(state, lambda s=state, n=node: _shown_tags(n.shown_items(s)), {})
        for rule, check in here:
            marker = (rule.id, check.line)
            if marker in broken:
                continue
            if check.if_ is not None and not evaluate(check.if_, situation):
                continue
            if not evaluate(check.require, situation):
                walk = exploration.walk_to(key)
                # The search may keep one value for several alike; the report shows the walk's own.
                real = replay(flowchart, [Step(s["node"], s["answer"]) for s in walk]).state
                broken[marker] = Counterexample(rule, check, walk, at, dict(real))
    return list(broken.values()), len(finals)


def approval_plan(flowchart: Flowchart) -> _Plan:
    """What the approval workflow reads at the end of a walk: approval modes and the approver's offers."""
    names = {n for o in flowchart.outcomes for c in o.approval_modes for n in condition_variables(c.when)}
    clauses = []
    for answers in flowchart.approver_answers.values():
        for answer in answers:
            for condition in (answer.unless, answer.only_when):
                names |= condition_variables(condition)
                from .model import clauses_of

                clauses += [tuple((n, v if isinstance(v, tuple) else (v,)) for n, v in c.items()) for c in clauses_of(condition)]
    return _Plan(reads=frozenset({(flowchart.terminal.id, frozenset(names))}), facts=frozenset(), clauses=tuple(clauses))


def final_states(flowchart: Flowchart) -> list[State]:
    """Every distinct final state, as far as the outcome rules, approval modes and the approver's
    offers can tell: what the approval workflow must handle (S14 is proven over these)."""
    exploration = _search(flowchart, approval_plan(flowchart))
    terminal = flowchart.terminal.id
    return [exploration.states[key] for key in exploration.order if key[0] == terminal]


def _approval_gaps(flowchart: Flowchart, exploration: Exploration) -> tuple[list[ApprovalGap], int, int]:
    terminal = flowchart.terminal.id
    gaps: dict[tuple[str, str], ApprovalGap] = {}
    finals = 0
    for key in exploration.order:
        if key[0] != terminal:
            continue
        finals += 1
        state = exploration.states[key]
        outcome = flowchart.outcome_for(state)
        mode = outcome.approval_mode_for(state)
        if mode == "none" or (outcome.id, mode) in gaps:
            continue
        offered = flowchart.approver_answers_for(mode, state)
        if not any(a.result in ("approved", "agreed") for a in offered):
            gaps[outcome.id, mode] = ApprovalGap(outcome.id, mode, exploration.walk_to(key), outcome.line)
    return list(gaps.values()), finals, len(exploration.order)


def prove(flowchart: Flowchart, rules: Iterable[str] | None = None) -> Proof:
    """Check the safety rules (all, or the ids in `rules`) over every walk; keep each check's first break."""
    # Paused for the whole proof, not search by search: each search's states would otherwise be
    # walked by the collector once it resumes, and again as they age, until the next search frees them.
    with cycle_collection_paused():
        return _prove(flowchart, rules)


def _prove(flowchart: Flowchart, rules: Iterable[str] | None) -> Proof:
    wanted = set(rules) if rules is not None else None
    selected = tuple(r for r in flowchart.safety if wanted is None or r.id in wanted)
    # Checks that keep the same variables and facts share one search (their clauses only refine
    # which values it tells apart).
    groups: dict[tuple[frozenset, frozenset], tuple[list[_Plan], list[tuple[SafetyRule, SafetyCheck]]]] = {}
    for rule in selected:
        for check in rule.checks:
            plan = _plan(flowchart, check)
            plans, checks = groups.setdefault((plan.reads, plan.facts), ([], []))
            plans.append(plan)
            checks.append((rule, check))
    group_plans = {
        (reads, facts): _Plan(reads=reads, facts=facts, clauses=tuple(c for p in plans for c in p.clauses))
        for (reads, facts), (plans, _) in groups.items()
    }
    approval = approval_plan(flowchart) if wanted is None else None
    search = _SharedSearches(flowchart, [*group_plans.values(), *([approval] if approval else [])])
    broken: list[Counterexample] = []
    most_finals = 0
    situations = 0  # counted per group, even where groups share a search
    for group, (_, checks) in groups.items():
        exploration = search(group_plans[group])
        found, finals = _check_group(flowchart, exploration, checks)
        broken += found
        most_finals = max(most_finals, finals)
        situations += len(exploration.order)
    gaps: list[ApprovalGap] = []
    if approval is not None:
        gaps, finals, visited = _approval_gaps(flowchart, search(approval))
        most_finals = max(most_finals, finals)
        situations += visited
    return Proof(
        rules=selected, final_states=most_finals, situations=situations,
        broken=sorted(broken, key=lambda c: (int(c.rule.id[1:]), c.check.line)),
        approval_gaps=gaps,
    )
