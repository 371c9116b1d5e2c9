"""Every walk the flowchart allows, explored once: the ground the validator and the safety proofs stand on.

A walk's future depends only on where it is, where advice will return to, and the variables some
later condition can still read. The search keeps just those (`live_variables`), so it visits each
distinct situation once and stays exact: two walks that agree on them go the same ways and end the
same way. Path facts ("the walk passed `minimum_necessary`") are pseudo-variables named
`@passed:node` or `@passed:node=answer`, set as the walk moves and never cleared, so a check can ask
what a path went through as well as where it ended.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .model import RETURN, START, URGENT_ANSWER, URGENT_NODE, Flowchart, State, condition_variables, frozen
from .walk import transition

FACT_PREFIX = "@passed:"


def fact_name(node_id: str, answer_id: str | None = None) -> str:
    """The pseudo-variable set once a walk has answered `node_id` (with `answer_id`, if given)."""
    return f"{FACT_PREFIX}{node_id}" if answer_id is None else f"{FACT_PREFIX}{node_id}={answer_id}"


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


def _edges(flowchart: Flowchart) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Every forward move (route cases and the urgent button) with the variables it overwrites."""
    edges: dict[str, list[tuple[str, frozenset[str]]]] = {}
    urgent = flowchart.urgent
    for node in flowchart.nodes.values():
        if node.is_terminal:
            edges[node.id] = []
            continue
        out = [(route.next, frozenset(urgent.set) | frozenset(route.set)) for route in urgent.routes]
        for answer in node.answers:
            for route in answer.routes:
                if route.next != RETURN:
                    out.append((route.next, frozenset(answer.set) | frozenset(route.set)))
        edges[node.id] = out
    return edges


def live_variables(flowchart: Flowchart, reads: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """For each node, the variables some later read may still see: backwards data flow over every edge.

    A variable is live at a node if it is read there, or live at a successor and not set on the
    way. `@return` edges are left out: advice returns to the node the walk came from, so the search
    keeps that node's live variables too while it is at advice (see `explore`).
    """
    edges = _edges(flowchart)
    reads = {node_id: set(reads.get(node_id, ())) for node_id in flowchart.nodes}
    live = {node_id: set(read) for node_id, read in reads.items()}
    changed = True
    while changed:
        changed = False
        for node_id, out in edges.items():
            now = set(reads[node_id])
            for target, kills in out:
                now |= live[target] - kills
            if now != live[node_id]:
                live[node_id], changed = now, True
    return {node_id: frozenset(names) for node_id, names in live.items()}


type Key = tuple[str, tuple[tuple[str, object], ...], str | None]


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


def explore(flowchart: Flowchart, live: Mapping[str, frozenset[str]], facts: frozenset[str] = frozenset()) -> Exploration:
    """Breadth-first over every reachable situation, the urgent button and advice returns included.

    `facts` names the path facts to track (see `fact_name`); anything else a walk passes is forgotten.
    """
    keeps: dict[tuple[str, str | None], frozenset[str]] = {}

    def project(state: State, at: str, return_to: str | None) -> State:
        keep = keeps.get((at, return_to))
        if keep is None:
            keep = keeps[at, return_to] = live[at] | live[return_to] if return_to else live[at]
        return frozen({k: v for k, v in state.items() if k in keep})

    result = Exploration()
    start_state = project(frozen(), START, None)
    start: Key = (START, tuple(sorted(start_state.items())), None)
    result.order.append(start)
    result.states[start] = start_state
    result.parents[start] = None
    queue = deque([start])
    while queue:
        key = queue.popleft()
        at, _, return_to = key
        state = result.states[key]
        node = flowchart.node(at)
        if node.is_terminal:
            continue
        moves = [(at, a.id) for a in node.offered_answers(state)] + [(URGENT_NODE, URGENT_ANSWER)]
        for node_id, answer_id in moves:
            try:
                target, new_state, new_return = transition(flowchart, at, state, return_to, node_id, answer_id)
            except ValueError:
                continue
            if facts:
                passed = {name for name in (fact_name(node_id), fact_name(node_id, answer_id)) if name in facts}
                if passed:
                    new_state = frozen({**new_state, **dict.fromkeys(passed, True)})
            new_state = project(new_state, target, new_return)
            new_key: Key = (target, tuple(sorted(new_state.items(), key=lambda kv: kv[0])), new_return)
            if new_key not in result.parents:
                result.parents[new_key] = (key, node_id, answer_id)
                result.states[new_key] = new_state
                result.order.append(new_key)
                queue.append(new_key)
    return result
