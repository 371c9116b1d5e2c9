"""Every walk the flowchart allows, explored once: the ground the validator and the safety proofs stand on.

A walk's future depends only on where it is, where advice will return to, and the variables some
later condition can still read. The search keeps just those (`live_variables`), so it visits each
distinct situation once and stays exact: two walks that agree on them go the same ways and end the
same way. Path facts ("the walk passed `minimum_necessary`") are pseudo-variables named
`@passed:node` or `@passed:node=answer`, set as the walk moves and never cleared, so a check can ask
what a path went through as well as where it ended.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from .model import (
    ADVICE,
    RETURN,
    START,
    URGENT_ANSWER,
    URGENT_NODE,
    Flowchart,
    Route,
    State,
    clauses_of,
    condition_variables,
    frozen,
)

FACT_PREFIX = "@passed:"


def fact_name(node_id: str, answers: Iterable[str] = ()) -> str:
    """The pseudo-variable set once a walk has answered `node_id` (with one of `answers`, if given)."""
    answers = sorted(answers)
    return f"{FACT_PREFIX}{node_id}" + (f"={'|'.join(answers)}" if answers else "")


def _fact_index(facts: Iterable[str]) -> dict[str, list[tuple[str, frozenset[str] | None]]]:
    """For each node, the tracked facts a move from it may set, with the answers each needs."""
    index: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
    for fact in facts:
        node_id, _, answers = fact.removeprefix(FACT_PREFIX).partition("=")
        index.setdefault(node_id, []).append((fact, frozenset(answers.split("|")) if answers else None))
    return index


def route_reads(flowchart: Flowchart) -> dict[str, set[str]]:
    """For each node, the variables its routes and offers read (outcome rules at the terminal)."""
    outcome_reads: set[str] = set()
    for outcome in flowchart.outcomes:
        outcome_reads |= condition_variables(outcome.when)
        for alternative in outcome.when_any:
            outcome_reads |= condition_variables(alternative)
    reads: dict[str, set[str]] = {}
    for node in flowchart.nodes.values():
        if node.is_terminal:
            reads[node.id] = set(outcome_reads)
            continue
        reads[node.id] = set()
        for answer in node.answers:
            reads[node.id] |= condition_variables(answer.unless) | condition_variables(answer.only_when)
            for route in answer.routes:
                reads[node.id] |= condition_variables(route.when)
        # The urgent button can be pressed here, and its route reads the state.
        for route in flowchart.urgent.routes:
            reads[node.id] |= condition_variables(route.when)
    return reads


Context = tuple[object, ...]


class _Unknown:
    """A condition the context alone cannot decide."""


UNKNOWN = _Unknown()


def _decide(condition, context: Mapping[str, object]) -> bool | _Unknown:
    """Whether `condition` holds, knowing only the context variables: True, False or UNKNOWN."""
    clauses = clauses_of(condition)
    if not clauses:
        return True
    verdicts = []
    for clause in clauses:
        verdict: bool | _Unknown = True
        for name, value in clause.items():
            if name not in context:
                verdict = UNKNOWN
                continue
            wanted = value if isinstance(value, tuple) else (value,)
            if context[name] not in wanted:
                verdict = False
                break
        verdicts.append(verdict)
    if any(v is True for v in verdicts):
        return True
    if all(v is False for v in verdicts):
        return False
    return UNKNOWN


def _possible_routes(routes, context: Mapping[str, object]):
    """The route cases a walk in this context may take: first match wins, so stop at a certain one."""
    for route in routes:
        verdict = _decide(route.when, context) if route.when else True
        if verdict is False:
            continue
        yield route
        if verdict is True:
            return


def context_variables(flowchart: Flowchart) -> tuple[str, ...]:
    """The boolean variables that routes and offers test: tracking their values makes liveness exact
    enough that an emergency's jump does not keep every consent variable alive (see `Liveness`)."""
    names: set[str] = set()
    for node in flowchart.nodes.values():
        for answer in node.answers:
            names |= condition_variables(answer.unless) | condition_variables(answer.only_when)
            for route in answer.routes:
                names |= condition_variables(route.when)
    for route in flowchart.urgent.routes:
        names |= condition_variables(route.when)
    return tuple(sorted(n for n in names if flowchart.variables.get(n, ()) is None and n in flowchart.variables))


@dataclass
class Liveness:
    """The variables some later read may still see, per node and per value of the context variables.

    A variable is live at a node if it is read there, or live at a successor and not set on the way.
    Plain liveness ignores which routes a walk can really take; here each node is split by the values
    of a few boolean variables (`context_variables`), and a route whose `when` the context decides
    against is not followed, so (for instance) the urgent button's jump back to the subject question
    does not drag every consent variable into every later situation.
    """

    context: tuple[str, ...]
    table: dict[tuple[str, Context], frozenset[str]]
    fallback: dict[str, frozenset[str]]

    def __getitem__(self, node_id: str) -> frozenset[str]:
        """Live anywhere at this node, whatever the context."""
        return self.fallback[node_id]

    def values(self):
        return self.fallback.values()

    def items(self):
        return self.fallback.items()


def live_variables(flowchart: Flowchart, reads: Mapping[str, Iterable[str]]) -> Liveness:
    """Backwards data flow over every move a walk can make, split by context (see `Liveness`).

    `@return` edges are left out: advice returns to the node the walk came from, so the search keeps
    that node's live variables too while it is at advice (see `explore`).
    """
    context = context_variables(flowchart)
    urgent = flowchart.urgent
    reads = {node_id: frozenset(reads.get(node_id, ())) for node_id in flowchart.nodes}

    def moves(node_id: str, ctx: Context):
        known = dict(zip(context, ctx, strict=True))
        node = flowchart.node(node_id)
        if node.is_terminal:
            return
        candidates = [(urgent.set, urgent.routes)]
        for answer in node.answers:
            if _decide(answer.only_when, known) is False if answer.only_when else False:
                continue
            if answer.unless and _decide(answer.unless, known) is True:
                continue
            candidates.append((answer.set, answer.routes))
        for sets, routes in candidates:
            for route in _possible_routes(routes, known):
                if route.next == RETURN:
                    continue
                after = {**known, **{k: v for k, v in {**sets, **route.set}.items() if k in known}}
                yield route.next, tuple(after[name] for name in context), frozenset(sets) | frozenset(route.set)

    start: tuple[str, Context] = (START, tuple(None for _ in context))
    edges: dict[tuple[str, Context], list[tuple[tuple[str, Context], frozenset[str]]]] = {}
    queue = deque([start])
    edges[start] = []
    while queue:
        here = queue.popleft()
        for target, ctx, kills in moves(*here):
            there = (target, ctx)
            edges[here].append((there, kills))
            if there not in edges:
                edges[there] = []
                queue.append(there)
    live = {pair: set(reads[pair[0]]) for pair in edges}
    changed = True
    while changed:
        changed = False
        for pair, out in edges.items():
            now = set(reads[pair[0]])
            for target, kills in out:
                now |= live[target] - kills
            if now != live[pair]:
                live[pair], changed = now, True
    fallback = {node_id: set(reads[node_id]) for node_id in flowchart.nodes}
    for (node_id, _), names in live.items():
        fallback[node_id] |= names
    return Liveness(
        context=context,
        table={pair: frozenset(names) for pair, names in live.items()},
        fallback={node_id: frozenset(names) for node_id, names in fallback.items()},
    )


type Key = tuple[str, frozenset[tuple[str, object]], str | None]


@dataclass
class Exploration:
    """Every reachable situation (node, the state that still matters, where advice returns)."""

    order: list[Key] = field(default_factory=list)  # breadth first: the first of a kind has the shortest walk
    states: dict[Key, State] = field(default_factory=dict)
    parents: dict[Key, tuple[Key, str, str] | None] = field(default_factory=dict)

    def walk_to(self, key: Key) -> list[dict[str, str]]:
        """A shortest answers file reaching `key`, in the form `flowchart walk` replays."""
        steps: list[dict[str, str]] = []
        while (parent := self.parents[key]) is not None:
            key, node_id, answer_id = parent
            steps.append({"node": node_id, "answer": answer_id})
        return steps[::-1]


def routing_conditions(flowchart: Flowchart) -> list:
    """The conditions that decide where a walk goes and how it ends: routes, offers, outcome rules,
    approval modes, the approver's offers and retention rules."""
    conditions: list = []
    for node in flowchart.nodes.values():
        for answer in node.answers:
            conditions += [answer.unless, answer.only_when] + [route.when for route in answer.routes]
    conditions += [route.when for route in flowchart.urgent.routes]
    for outcome in flowchart.outcomes:
        conditions += [outcome.when, *outcome.when_any] + [case.when for case in outcome.approval_modes]
    for answers in flowchart.approver_answers.values():
        conditions += [a.unless for a in answers] + [a.only_when for a in answers]
    conditions += [rule.when for rule in flowchart.retention_rules]
    return conditions


def text_conditions(flowchart: Flowchart) -> list:
    """The conditions that choose what a page shows: node and outcome texts, and fields."""
    conditions: list = []
    for node in flowchart.nodes.values():
        conditions += [t.when for t in (*node.question_variants, *node.hint_variants, *node.more_variants)]
        conditions += [f.required_when for f in node.fields] + [f.shown_when for f in node.fields]
    for outcome in flowchart.outcomes:
        for group in (outcome.title_variants, outcome.summary_variants, outcome.what_to_do_items,
                      outcome.lawful_basis_items, outcome.record_must_contain_items):
            conditions += [t.when for t in group]
    conditions += [t.when for t in flowchart.after_sharing]
    return conditions


def value_classes(flowchart: Flowchart, conditions: Iterable) -> dict[str, dict[object, object]]:
    """For each variable, its values grouped by what the conditions can tell apart.

    A condition only asks whether a value is in a set, so two values that every condition puts on
    the same side behave alike everywhere: the search keeps one of them for both (the first of the
    group in the variable's own order), which changes no route, offer, outcome or check.
    """
    seen: dict[str, set[tuple[object, ...]]] = {}
    for condition in conditions:
        for clause in clauses_of(condition):
            for name, value in clause.items():
                seen.setdefault(name, set()).add(value if isinstance(value, tuple) else (value,))
    classes: dict[str, dict[object, object]] = {}
    for name, values in flowchart.variables.items():
        domain = (True, False) if values is None else values
        groups: dict[tuple[bool, ...], object] = {}
        mapping = {}
        for value in domain:
            signature = tuple(value in wanted for wanted in sorted(seen.get(name, ()), key=repr))
            mapping[value] = groups.setdefault(signature, value)
        classes[name] = mapping
    return classes


def _compiled(condition) -> Callable[[Mapping[str, object]], bool]:
    """`matches(condition, state)` as a function of the state, each pair's values unpacked once:
    the search tests the same few conditions millions of times. Pass only a non-empty condition."""
    clauses = tuple(
        tuple((name, value if isinstance(value, tuple) else (value,)) for name, value in clause.items())
        for clause in clauses_of(condition)
    )
    if len(clauses) == 1 and len(clauses[0]) == 1:
        ((name, wanted),) = clauses[0]
        return lambda state: state.get(name) in wanted

    # Plain loops: generators inside `any` and `all` cost more than the tests themselves.
    def holds(state: Mapping[str, object]) -> bool:
        for pairs in clauses:
            for name, wanted in pairs:
                if state.get(name) not in wanted:
                    break
            else:
                return True
        return False

    return holds


# One case of a move: (test or None, target, changes, context updates), see `_Option`.
type _Case = tuple[Callable[[Mapping[str, object]], bool] | None, str, dict[str, object], tuple[tuple[int, object], ...]]


class _Option(NamedTuple):
    """One move a walk may make from a node, ready for the search: `walk.transition` taken apart.

    `routes` holds each case in `route_for`'s order. Its `changes` merge the answer's `set`, the
    route's `set` and the path facts the move sets, in the order the walk applies them, with values
    already in their class; its context updates are the (position, value) pairs it writes into the
    context (see `Liveness`).
    """

    node_id: str
    answer_id: str
    only_when: Callable[[Mapping[str, object]], bool] | None
    unless: Callable[[Mapping[str, object]], bool] | None
    routes: tuple[_Case, ...]
    # The urgent button goes straight to its target, whatever it is, and forgets advice's return point.
    is_urgent: bool = False


def _options(
    flowchart: Flowchart, node_id: str, facts_at, context_names: tuple[str, ...],
    canonical: Callable[[str, object], object],
) -> tuple[_Option, ...]:
    """The moves from `node_id`: its answers in order, then the urgent button."""

    def case(test, target: str, node: str, answer_id: str, *sets: Mapping[str, object]) -> _Case:
        merged: dict[str, object] = {}
        for values in sets:
            merged.update(values)
        for name, answers in facts_at.get(node, ()):
            if answers is None or answer_id in answers:
                merged[name] = True
        updates = tuple((i, merged[name]) for i, name in enumerate(context_names) if name in merged)
        return test, target, {name: canonical(name, value) for name, value in merged.items()}, updates

    def cases(node: str, answer_id: str, sets: Mapping[str, object], routes: tuple[Route, ...], *, first_only: bool):
        if first_only:  # one route: taken whatever its `when` says, as `walk.transition` does
            return (case(None, routes[0].next, node, answer_id, sets, routes[0].set),)
        # `route_for`: the first route whose `when` holds, else the last
        chosen = [case(_compiled(r.when) if r.when else None, r.next, node, answer_id, sets, r.set) for r in routes]
        return (*chosen, (None, *chosen[-1][1:]))

    options = [
        _Option(
            node_id, answer.id,
            only_when=_compiled(answer.only_when) if answer.only_when else None,
            unless=_compiled(answer.unless) if answer.unless else None,
            routes=cases(node_id, answer.id, answer.set, answer.routes, first_only=len(answer.routes) == 1),
        )
        for answer in flowchart.node(node_id).answers
    ]
    urgent = flowchart.urgent
    options.append(_Option(
        URGENT_NODE, URGENT_ANSWER, None, None,
        cases(URGENT_NODE, URGENT_ANSWER, urgent.set, urgent.routes, first_only=False), is_urgent=True,
    ))
    return tuple(options)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """The search allocates hundreds of thousands of dicts, tuples and frozensets that all live
    until it ends and form no cycles: the cycle collector would walk them again and again for
    nothing (about 40% of the search's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def explore(
    flowchart: Flowchart, live: Liveness, facts: frozenset[str] = frozenset(),
    classes: Mapping[str, Mapping[object, object]] | None = None,
) -> Exploration:
    """Breadth-first over every reachable situation, the urgent button and advice returns included.

    `facts` names the path facts to track (see `fact_name`); anything else a walk passes is forgotten.
    `classes` (see `value_classes`) merges values no condition tells apart.
    """
    classes = classes or {}
    facts_at = _fact_index(facts)
    terminal = {node_id for node_id, node in flowchart.nodes.items() if node.is_terminal}
    context_names = live.context
    # The context is read before values are put in their class. Where classes merge a context
    # variable's values, its raw value must reach the context, so it is put in its class only when kept.
    raw = frozenset(
        name for name in context_names
        if any(value != alike for value, alike in classes.get(name, {}).items())
    )

    def in_class(name: str, value: object) -> object:
        return classes[name].get(value, value) if name in classes else value

    def canonical(name: str, value: object) -> object:
        return value if name in raw else in_class(name, value)

    options_at = {
        node_id: _options(flowchart, node_id, facts_at, context_names, canonical)
        for node_id in flowchart.nodes if node_id not in terminal
    }
    # What a situation keeps, and which kept names still hold a raw value.
    kept_at: dict[tuple[str, str | None, Context], tuple[frozenset[str], frozenset[str]]] = {}

    def kept(at: str, return_to: str | None, context: Context) -> tuple[frozenset[str], frozenset[str]]:
        keep = live.table.get((at, context), live.fallback[at])
        if return_to:
            keep = keep | live.table.get((return_to, context), live.fallback[return_to])
        return keep, keep & raw

    def project(state: dict, at: str, return_to: str | None, context: Context) -> dict:
        """The part of `state` the situation keeps (`state` itself if it keeps all of it), in its own
        order: the order shows in the validator's messages."""
        keep, raw_kept = kept_at.get((at, return_to, context)) or kept_at.setdefault(
            (at, return_to, context), kept(at, return_to, context))
        projected = state if keep.issuperset(state) else {n: v for n, v in state.items() if n in keep}
        for name in raw_kept:
            if name in projected:
                projected[name] = in_class(name, projected[name])
        return projected

    result = Exploration()
    parents = result.parents
    empty_context = tuple(None for _ in context_names)
    start_state = project({}, START, None, empty_context)
    start: Key = (START, frozenset(start_state.items()), None)
    result.order.append(start)
    result.states[start] = frozen(start_state)
    parents[start] = None
    # Plain dicts ride along with the keys: reading them is cheaper than reading the frozen states.
    queue = deque([(start, start_state)])
    with cycle_collection_paused():
        while queue:
            key, state = queue.popleft()
            at, _, return_to = key
            context = tuple(map(state.get, context_names))
            for node_id, answer_id, only_when, unless, routes, is_urgent in options_at[at]:
                if only_when is not None and not only_when(state):
                    continue
                if unless is not None and unless(state):
                    continue
                for test, route_target, route_changes, route_updates in routes:
                    if test is None or test(state):
                        target, changes, updates = route_target, route_changes, route_updates
                        break
                if is_urgent:
                    new_return = None
                elif target == RETURN:
                    if return_to is None:
                        continue
                    target, new_return = return_to, None
                elif target == ADVICE:
                    new_return = at
                else:
                    new_return = return_to
                if target in terminal:
                    new_return = None  # nothing returns from the end: advice's return point no longer matters
                new_context = context
                if updates:
                    new_context = list(context)
                    for position, value in updates:
                        new_context[position] = value
                    new_context = tuple(new_context)
                projected = project({**state, **changes}, target, new_return, new_context)
                new_key: Key = (target, frozenset(projected.items()), new_return)
                if new_key not in parents:
                    parents[new_key] = (key, node_id, answer_id)
                    result.states[new_key] = frozen(projected)
                    result.order.append(new_key)
                    if target not in terminal:
                        queue.append((new_key, projected))
    return result
