"""Load `information-sharing.yaml` into a Flowchart, or explain every problem with file and line."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from pathlib import Path
from typing import Any

from .model import (
    ADVICE,
    NOT_SURE,
    RATIONALE_VARIABLES,
    RETURN,
    START,
    Answer,
    Choice,
    Field,
    Flowchart,
    Node,
    Outcome,
    Source,
    State,
    Urgent,
    frozen,
)
from .reader import Reader, describe
from .walk import transition
from .yamlsource import LocatedDict, Problem, read_yaml

CASE_ID = re.compile(r"^(cs(0[1-9]|1[0-9]|2[01])|gp[1-4])$")
FIELD_TYPES = ("text", "textarea", "date", "choice")
NOT_SURE_LABEL = "I'm not sure"
NOT_SURE_HINT = "Get advice first: you will come back to this question afterwards."


class FlowchartError(Exception):
    """The flowchart file is broken; `problems` lists each one with file, line and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_flowchart(path: str | Path) -> Flowchart:
    """Read, validate and build the flowchart at `path`. Raises FlowchartError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FlowchartError([Problem(str(path), 0, f"cannot read the file: {exc.strerror}")]) from exc
    return parse_flowchart(data, str(path))


def parse_flowchart(data: bytes, path: str = "<flowchart>") -> Flowchart:
    """Validate and build a flowchart from the file's bytes (the sha256 is of these bytes)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FlowchartError([Problem(path, 1, f"the file is not UTF-8 text: {exc.reason}")]) from exc
    try:
        root, problems = read_yaml(text, path)
    except Problem as problem:
        raise FlowchartError([problem]) from None
    reader = Reader(path, problems)
    flowchart = _build(reader, root, hashlib.sha256(data).hexdigest(), path)
    if reader.problems or flowchart is None:
        raise FlowchartError(reader.problems)
    _check_graph(reader, flowchart)
    if reader.problems:
        raise FlowchartError(reader.problems)
    return flowchart


# -- building ---------------------------------------------------------------------------------


def _build(reader: Reader, root: Any, sha256: str, path: str) -> Flowchart | None:
    top = reader.mapping(root, 1, "the flowchart")
    if top is None:
        return None
    reader.keys(
        top, "the flowchart", required=("version", "title", "variables", "urgent", "nodes", "outcomes"),
        optional=("credit",),
    )
    variables = _variables(reader, top)
    checker = _StateChecker(reader, variables)
    nodes = _nodes(reader, top, checker)
    outcomes = _outcomes(reader, top, checker)
    urgent = _urgent(reader, top, checker)
    if urgent is None:
        return None
    return Flowchart(
        version=reader.text(top, "version", "the flowchart"),
        title=reader.text(top, "title", "the flowchart"),
        credit=reader.text(top, "credit", "the flowchart"),
        sha256=sha256,
        nodes=frozen({node.id: node for node in nodes}),
        outcomes=tuple(outcomes),
        urgent=urgent,
        variables=frozen(variables),
        path=path,
    )


def _variables(reader: Reader, top: LocatedDict) -> dict[str, tuple[str, ...] | None]:
    spec = top.get("variables")
    if spec is None or reader.mapping(spec, top.line_of("variables"), "`variables`") is None:
        return {}
    variables: dict[str, tuple[str, ...] | None] = {}
    for name, values in spec.items():
        line = spec.line_of(name)
        if not isinstance(name, str):
            reader.fail(line, f"variable names must be text, not {describe(name)}")
        elif values == "boolean":
            variables[name] = None
        elif isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            variables[name] = tuple(values)
        else:
            bad = next((v for v in values if not isinstance(v, str)), values) if isinstance(values, list) else values
            reader.fail(line, f"variable {name!r} must be `boolean` or a list of text values, not {describe(bad)}")
    return variables


class _StateChecker:
    """Checks `set`, `unless` and `when` mappings against the declared variables."""

    def __init__(self, reader: Reader, variables: dict[str, tuple[str, ...] | None]) -> None:
        self.reader, self.variables = reader, variables

    def condition(self, parent: LocatedDict, key: str, what: str) -> State:
        value = parent.get(key)
        if value is None:
            return frozen()
        mapping = self.reader.mapping(value, parent.line_of(key), f"`{key}` of {what}")
        if mapping is None:
            return frozen()
        return frozen({k: v for k, v in mapping.items() if self.pair(mapping, k, v, f"`{key}` of {what}")})

    def pair(self, mapping: LocatedDict, name: Any, value: Any, what: str) -> bool:
        line = mapping.line_of(name)
        if name not in self.variables:
            self.reader.fail(line, f"{what} uses the unknown variable {name!r}")
            return False
        allowed = self.variables[name]
        if allowed is None:
            if not isinstance(value, bool):
                self.reader.fail(line, f"{what}: {name!r} is a boolean variable, so {describe(value)} is not a value")
                return False
        elif isinstance(value, bool):
            self.reader.fail(line, f"{what}: {name!r} expects text, not {describe(value)}")
            return False
        elif value not in allowed:
            self.reader.fail(line, f"{what}: {value!r} is not a value of {name!r} (allowed: {', '.join(allowed)})")
            return False
        return True


def _nodes(reader: Reader, top: LocatedDict, checker: _StateChecker) -> list[Node]:
    nodes: list[Node] = []
    seen: dict[str, int] = {}
    items = reader.sequence(top, "nodes", "the flowchart", required=True)
    for index, item in enumerate(items):
        raw = reader.mapping(item, items.line_of(index), "each node")
        if raw is None:
            continue
        node = _node(reader, raw, checker)
        if node.id in seen:
            reader.fail(raw.line_of("id"), f"duplicate node id {node.id!r} (first on line {seen[node.id]})")
            continue
        if node.id:
            seen[node.id] = raw.line_of("id")
            nodes.append(node)
    return nodes


def _node(reader: Reader, raw: LocatedDict, checker: _StateChecker) -> Node:
    reader.keys(
        raw, "a node", required=("id", "question"),
        optional=("hint", "sources", "case_studies", "answers", "fields", "not_sure", "terminal"),
    )
    node_id = reader.identifier(raw, "id", "a node")
    what = f"node {node_id!r}"
    terminal = reader.flag(raw, "terminal", what)
    offers_not_sure = reader.flag(raw, "not_sure", what, default=not terminal)
    answers = _answers(reader, raw, checker, what)
    if terminal and answers:
        reader.fail(raw.line_of("answers"), f"{what} is terminal, so it takes no answers")
    if not terminal and not answers:
        reader.fail(raw.line, f"{what} has no answers")
    if offers_not_sure:
        if any(a.id == NOT_SURE for a in answers):
            reader.fail(raw.line_of("answers"), f"{what}: {NOT_SURE!r} is added by the engine; remove it")
        else:
            answers.append(Answer(id=NOT_SURE, label=NOT_SURE_LABEL, hint=NOT_SURE_HINT, next=ADVICE, line=raw.line))
    answer_ids = {a.id for a in answers}
    case_studies = reader.identifiers(raw, "case_studies", what)
    for case_id, line in case_studies:
        if not CASE_ID.match(case_id):
            reader.fail(line, f"{what}: {case_id!r} is not a case-study id (cs01 to cs21, gp1 to gp4)")
    return Node(
        id=node_id,
        question=reader.text(raw, "question", what),
        hint=reader.text(raw, "hint", what),
        sources=_sources(reader, raw, what),
        case_studies=tuple(case_id for case_id, _ in case_studies),
        answers=tuple(answers),
        fields=_fields(reader, raw, checker, what, answer_ids),
        offers_not_sure=offers_not_sure,
        is_terminal=terminal,
        line=raw.line,
    )


def _answers(reader: Reader, raw: LocatedDict, checker: _StateChecker, what: str) -> list[Answer]:
    answers: list[Answer] = []
    seen: dict[str, int] = {}
    items = reader.sequence(raw, "answers", what)
    for index, item in enumerate(items):
        answer = reader.mapping(item, items.line_of(index), f"each answer of {what}")
        if answer is None:
            continue
        reader.keys(
            answer, f"an answer of {what}", required=("id", "label", "next"),
            optional=("hint", "set", "unless", "requires_rationale"),
        )
        answer_id = reader.identifier(answer, "id", f"an answer of {what}")
        where = f"answer {answer_id!r} of {what}"
        if answer_id in seen:
            reader.fail(answer.line_of("id"), f"duplicate answer id {answer_id!r} in {what} (first on line {seen[answer_id]})")
            continue
        seen[answer_id] = answer.line_of("id")
        next_id = answer.get("next")
        if not isinstance(next_id, str):
            reader.fail(answer.line_of("next"), f"`next` of {where} must be a node id, not {describe(next_id)}")
            next_id = ""
        sets = checker.condition(answer, "set", where)
        default_rationale = bool(RATIONALE_VARIABLES & set(sets))
        answers.append(
            Answer(
                id=answer_id,
                label=reader.text(answer, "label", where),
                hint=reader.text(answer, "hint", where),
                next=next_id,
                set=sets,
                unless=checker.condition(answer, "unless", where),
                requires_rationale=reader.flag(answer, "requires_rationale", where, default=default_rationale),
                line=answer.line_of("id"),
                next_line=answer.line_of("next"),
            )
        )
    return answers


def _sources(reader: Reader, raw: LocatedDict, what: str) -> tuple[Source, ...]:
    sources = []
    items = reader.sequence(raw, "sources", what)
    for index, item in enumerate(items):
        source = reader.mapping(item, items.line_of(index), f"each source of {what}")
        if source is not None:
            reader.keys(source, f"a source of {what}", required=("title",), optional=("url",))
            sources.append(Source(title=reader.text(source, "title", what), url=reader.text(source, "url", what)))
    return tuple(sources)


def _fields(
    reader: Reader, raw: LocatedDict, checker: _StateChecker, what: str, answer_ids: set[str]
) -> tuple[Field, ...]:
    fields: list[Field] = []
    seen: set[str] = set()
    items = reader.sequence(raw, "fields", what)
    for index, item in enumerate(items):
        spec = reader.mapping(item, items.line_of(index), f"each field of {what}")
        if spec is None:
            continue
        reader.keys(
            spec, f"a field of {what}", required=("id", "label"),
            optional=("hint", "type", "choices", "required", "required_for", "required_when"),
        )
        field_id = reader.identifier(spec, "id", f"a field of {what}")
        where = f"field {field_id!r} of {what}"
        if field_id in seen or field_id in ("answer", "rationale"):
            reader.fail(spec.line_of("id"), f"{where}: the id is already used on this page")
        seen.add(field_id)
        field_type = reader.text(spec, "type", where, default="text")
        if field_type not in FIELD_TYPES:
            reader.fail(spec.line_of("type"), f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
        choices = _choices(reader, spec, where)
        if (field_type == "choice") != bool(choices):
            reader.fail(spec.line, f"{where}: `choices` go with type `choice`, and only with it")
        required_for = reader.identifiers(spec, "required_for", where)
        for answer_id, line in required_for:
            if answer_id not in answer_ids:
                reader.fail(line, f"{where}: `required_for` names {answer_id!r}, which is not an answer of {what}")
        fields.append(
            Field(
                id=field_id,
                label=reader.text(spec, "label", where),
                hint=reader.text(spec, "hint", where),
                type=field_type,
                choices=choices,
                required=reader.flag(spec, "required", where),
                required_for=frozenset(answer_id for answer_id, _ in required_for),
                required_when=checker.condition(spec, "required_when", where),
            )
        )
    return tuple(fields)


def _choices(reader: Reader, spec: LocatedDict, where: str) -> tuple[Choice, ...]:
    choices = []
    items = reader.sequence(spec, "choices", where)
    for index, item in enumerate(items):
        choice = reader.mapping(item, items.line_of(index), f"each choice of {where}")
        if choice is not None:
            reader.keys(choice, f"a choice of {where}", required=("id", "label"))
            choices.append(Choice(id=reader.identifier(choice, "id", where), label=reader.text(choice, "label", where)))
    return tuple(choices)


def _outcomes(reader: Reader, top: LocatedDict, checker: _StateChecker) -> list[Outcome]:
    outcomes: list[Outcome] = []
    seen: dict[str, int] = {}
    items = reader.sequence(top, "outcomes", "the flowchart", required=True)
    for index, item in enumerate(items):
        raw = reader.mapping(item, items.line_of(index), "each outcome")
        if raw is None:
            continue
        reader.keys(
            raw, "an outcome", required=("id", "title"),
            optional=("when", "when_any", "requires_approval", "approval", "summary", "what_to_do",
                      "lawful_basis", "record_must_contain"),
        )
        outcome_id = reader.identifier(raw, "id", "an outcome")
        what = f"outcome {outcome_id!r}"
        if outcome_id in seen:
            reader.fail(raw.line_of("id"), f"duplicate outcome id {outcome_id!r} (first on line {seen[outcome_id]})")
            continue
        seen[outcome_id] = raw.line_of("id")
        when_any = []
        alternatives = reader.sequence(raw, "when_any", what)
        for alt_index, alternative in enumerate(alternatives):
            holder = LocatedDict({"when_any": alternative})
            holder.line, holder.key_lines = alternatives.line_of(alt_index), {"when_any": alternatives.line_of(alt_index)}
            when_any.append(checker.condition(holder, "when_any", what))
        approval = reader.text(raw, "approval", what)
        if approval not in ("", "retrospective"):
            reader.fail(raw.line_of("approval"), f"{what}: `approval` may only be \"retrospective\"")
        outcomes.append(
            Outcome(
                id=outcome_id,
                title=reader.text(raw, "title", what),
                summary=reader.text(raw, "summary", what),
                when=checker.condition(raw, "when", what),
                when_any=tuple(when_any),
                requires_approval=reader.flag(raw, "requires_approval", what),
                approval=approval,
                what_to_do=reader.texts(raw, "what_to_do", what),
                lawful_basis=reader.texts(raw, "lawful_basis", what),
                record_must_contain=reader.texts(raw, "record_must_contain", what),
                line=raw.line_of("id"),
            )
        )
    return outcomes


def _urgent(reader: Reader, top: LocatedDict, checker: _StateChecker) -> Urgent | None:
    raw = top.get("urgent")
    if raw is None or reader.mapping(raw, top.line_of("urgent"), "`urgent`") is None:
        return None
    reader.keys(raw, "`urgent`", required=("label", "next", "set"), optional=("guidance",))
    next_id = raw.get("next")
    if not isinstance(next_id, str):
        reader.fail(raw.line_of("next"), f"`next` of `urgent` must be a node id, not {describe(next_id)}")
        next_id = ""
    return Urgent(
        label=reader.text(raw, "label", "`urgent`"),
        next=next_id,
        guidance=reader.texts(raw, "guidance", "`urgent`"),
        set=checker.condition(raw, "set", "`urgent`"),
    )


# -- graph checks -----------------------------------------------------------------------------


def _check_graph(reader: Reader, flowchart: Flowchart) -> None:
    nodes = flowchart.nodes
    first = next(iter(nodes.values()), None)
    if first is None or first.id != START:
        reader.fail(first.line if first else 1, f"the first node must be {START!r}")
    terminals = [n for n in nodes.values() if n.is_terminal]
    if len(terminals) != 1:
        reader.fail(1, f"exactly one node must be `terminal: true` (found {len(terminals)})")
    if any(n.offers_not_sure for n in nodes.values()) and ADVICE not in nodes:
        reader.fail(1, f"nodes offer {NOT_SURE!r} but there is no {ADVICE!r} node for it to lead to")
    if flowchart.urgent.next not in nodes:
        reader.fail(1, f"`urgent` leads to {flowchart.urgent.next!r}, which is not a node")
    for node in nodes.values():
        for answer in node.answers:
            if answer.next == RETURN:
                if node.id != ADVICE or answer.id != "resolved":
                    reader.fail(answer.next_line, f"{RETURN!r} is only allowed on {ADVICE}: resolved")
            elif answer.next not in nodes:
                reader.fail(answer.next_line, f"answer {answer.id!r} of {node.id!r} leads to {answer.next!r}, which is not a node")
    if reader.problems:
        return
    edges = _edges(flowchart)
    # Advice only ever returns to a node the walk already reached, so `@return` adds nothing forwards.
    reachable = _closure(START, _edges(flowchart, returns=False))
    for node in nodes.values():
        if node.id not in reachable:
            reader.fail(node.line, f"node {node.id!r} cannot be reached from {START!r}")
    reverse: dict[str, set[str]] = {n: set() for n in nodes}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    reaches_end = _closure(terminals[0].id, reverse)
    for node in nodes.values():
        if node.id not in reaches_end:
            reader.fail(node.line, f"no answer path leads from node {node.id!r} to {terminals[0].id!r}")
    if not reader.problems:
        _check_outcomes(reader, flowchart)


def _edges(flowchart: Flowchart, *, returns: bool = True) -> dict[str, set[str]]:
    """Answer edges, with `@return` read as an edge back to every node that can lead to advice."""
    edges = {node_id: set() for node_id in flowchart.nodes}
    returners = {n.id for n in flowchart.nodes.values() if any(a.next == ADVICE for a in n.answers)} if returns else set()
    for node in flowchart.nodes.values():
        for answer in node.answers:
            edges[node.id] |= returners if answer.next == RETURN else {answer.next}
    return edges


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_outcomes(reader: Reader, flowchart: Flowchart) -> None:
    """Explore every reachable (node, state) pair, urgent button included, and check the rules.

    Only variables that some condition reads (outcome rules, `unless`) can change where a walk
    goes or how it ends, so the search tracks just those: the same answer, far fewer states.
    """
    read = {name for o in flowchart.outcomes for c in (o.when, *o.when_any) for name in c}
    read |= {name for n in flowchart.nodes.values() for a in n.answers for name in a.unless}

    def project(state: State) -> State:
        return frozen({k: v for k, v in state.items() if k in read})

    start = (START, frozen(), None)
    seen = {(START, (), None)}
    queue = deque([start])
    reached: set[str] = set()
    unmatched: list[dict[str, Any]] = []
    while queue:
        at, state, return_to = queue.popleft()
        node = flowchart.node(at)
        if node.is_terminal:
            outcome = next((o for o in flowchart.outcomes if o.applies_to(state)), None)
            if outcome is None:
                unmatched.append(dict(state))
            else:
                reached.add(outcome.id)
            continue
        moves = [(at, a.id) for a in node.offered_answers(state)] + [("*", "urgent")]
        for node_id, answer_id in moves:
            try:
                target, new_state, new_return = transition(flowchart, at, state, return_to, node_id, answer_id)
            except ValueError:
                continue
            new_state = project(new_state)
            key = (target, tuple(sorted(new_state.items())), new_return)
            if key not in seen:
                seen.add(key)
                queue.append((target, new_state, new_return))
    for outcome in flowchart.outcomes:
        if outcome.id not in reached:
            reader.fail(outcome.line, f"outcome {outcome.id!r} can never be reached: an earlier rule or the graph always prevents it")
    if unmatched:
        reader.fail(1, f"a walk can reach the end with a state that no outcome rule matches: {unmatched[0]}")
