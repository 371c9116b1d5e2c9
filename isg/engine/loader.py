"""Load `information-sharing.yaml` into a Flowchart, or explain every problem with file and line."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from .model import (
    ADVICE,
    APPROVAL_MODES,
    APPROVER_RESULTS,
    NOT_SURE,
    RATIONALE_VARIABLES,
    RETURN,
    START,
    Answer,
    AnyOf,
    ApproverAnswer,
    Choice,
    Condition,
    Field,
    Flowchart,
    GlossaryTerm,
    ModeCase,
    Node,
    Outcome,
    RetentionClass,
    RetentionRule,
    Route,
    Source,
    State,
    Text,
    Urgent,
    condition_variables,
    frozen,
)
from .reader import Reader, describe
from .search import explore, live_variables, route_reads, routing_conditions, value_classes
from .yamlsource import LocatedDict, LocatedList, Problem, read_yaml

CASE_ID = re.compile(r"^(cs(0[1-9]|1[0-9]|2[01])|gp[1-4])$")
FIELD_TYPES = ("text", "textarea", "date", "choice", "confirm", "number")
TAG_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
WORD = re.compile(r"\S+")
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
        optional=("credit", "reminder", "after_sharing", "glossary", "approval", "retention", "safety", "hint_word_limit"),
    )
    variables = _variables(reader, top)
    checker = _StateChecker(reader, variables)
    nodes = _nodes(reader, top, checker)
    outcomes = _outcomes(reader, top, checker)
    urgent = _urgent(reader, top, checker)
    after_sharing = _text_items(reader, checker, top, "after_sharing", "the flowchart")
    glossary = _glossary(reader, top)
    approver_answers = _approver_answers(reader, top, checker)
    retention_classes, retention_rules = _retention(reader, top, checker)
    hint_word_limit = _hint_word_limit(reader, top, nodes)
    if urgent is None:
        return None
    # The safety rules read outcomes, modes and classes, so they are read once those are known.
    from .safety import read_safety  # safety reads this module's checker

    safety = read_safety(reader, top, checker, nodes, outcomes, retention_classes)
    _check_tags(reader, safety, nodes, outcomes, after_sharing)
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
        reminder=reader.text(top, "reminder", "the flowchart"),
        after_sharing=after_sharing,
        glossary=glossary,
        approver_answers=frozen(approver_answers),
        retention_classes=retention_classes,
        retention_rules=retention_rules,
        safety=safety,
        hint_word_limit=hint_word_limit,
    )


def _check_tags(reader: Reader, safety, nodes: list[Node], outcomes: list[Outcome], after_sharing: tuple[Text, ...]) -> None:
    """A check that looks for a tag no text carries would hold or fail for nothing: refuse it."""
    from .safety import Shows, walk_expr

    tagged: set[str] = {"reminder"} | {t for item in after_sharing for t in item.tags}
    for node in nodes:
        for item in (*node.question_variants, *node.hint_variants, *node.more_variants):
            tagged |= item.tags
    for outcome in outcomes:
        for group in (outcome.title_variants, outcome.summary_variants, outcome.what_to_do_items,
                      outcome.lawful_basis_items, outcome.record_must_contain_items):
            for item in group:
                tagged |= item.tags
    for rule in safety:
        for check in rule.checks:
            for expr in (check.require, check.if_):
                for sub in walk_expr(expr) if expr is not None else ():
                    for tag in sub.tags if isinstance(sub, Shows) else ():
                        if tag not in tagged:
                            reader.fail(check.line, f"safety rule {rule.id!r} looks for the tag {tag!r}, which no text carries")


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
    """Checks `set` and condition mappings (`when`, `unless`, `only_when`...) against the variables."""

    def __init__(self, reader: Reader, variables: dict[str, tuple[str, ...] | None]) -> None:
        self.reader, self.variables = reader, variables

    def condition(self, parent: LocatedDict, key: str, what: str) -> Condition:
        """A condition: each variable maps to a value, or to a list of values (any of them).

        A list of such mappings is any of them (`AnyOf`).
        """
        value = parent.get(key)
        if not isinstance(value, LocatedList):
            return self._mapping(parent, key, what, lists=True)
        if not value:
            self.reader.fail(parent.line_of(key), f"`{key}` of {what} is an empty list: give at least one mapping")
            return frozen()
        clauses = []
        for index, item in enumerate(value):
            holder = LocatedDict({key: item})
            holder.line, holder.key_lines = value.line_of(index), {key: value.line_of(index)}
            if not isinstance(item, LocatedDict):
                self.reader.fail(value.line_of(index), f"each item of `{key}` of {what} must be a mapping, not {describe(item)}")
                continue
            clause = self._mapping(holder, key, f"{what} (item {index + 1})", lists=True)
            if clause:
                clauses.append(clause)
        return AnyOf(tuple(clauses)) if clauses else frozen()

    def assignment(self, parent: LocatedDict, key: str, what: str) -> State:
        """A `set`: each variable maps to exactly one value."""
        return self._mapping(parent, key, what, lists=False)

    def _mapping(self, parent: LocatedDict, key: str, what: str, *, lists: bool) -> Condition:
        value = parent.get(key)
        if value is None:
            return frozen()
        mapping = self.reader.mapping(value, parent.line_of(key), f"`{key}` of {what}")
        if mapping is None:
            return frozen()
        where = f"`{key}` of {what}"
        result: dict[str, Any] = {}
        for name, item in mapping.items():
            line = mapping.line_of(name)
            if item is None and lists:
                # In a condition, null means "unset": the walk has not given this variable a value.
                if name not in self.variables:
                    self.reader.fail(line, f"{where} uses the unknown variable {name!r}")
                else:
                    result[name] = None
            elif isinstance(item, LocatedList):
                if not lists:
                    self.reader.fail(line, f"{where}: {name!r} takes one value, not a list")
                elif not item:
                    self.reader.fail(line, f"{where}: the list of values for {name!r} is empty")
                else:
                    checked = [
                        v is None and name in self.variables or self.pair(item.line_of(i), name, v, where)
                        for i, v in enumerate(item)
                    ]  # report every bad value
                    if all(checked):
                        result[name] = tuple(dict.fromkeys(item))
            elif self.pair(line, name, item, where):
                result[name] = item
        return frozen(result)

    def pair(self, line: int, name: Any, value: Any, what: str) -> bool:
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


def _variants(
    reader: Reader, checker: _StateChecker, raw: LocatedDict, key: str, what: str
) -> tuple[str, tuple[Text, ...]]:
    """A text that is a plain string or a list of `{when, text}` variants, the last without `when`.

    Returns the default text (the plain string, or the last variant) and the variants.
    """
    value = raw.get(key)
    if value is None:
        return "", ()
    if isinstance(value, str):
        return value.strip(), ()
    if not isinstance(value, LocatedList):
        reader.fail(raw.line_of(key), f"`{key}` of {what} must be text or a list of variants, not {describe(value)}")
        return "", ()
    if not value:
        reader.fail(raw.line_of(key), f"`{key}` of {what} has no variants: give at least one text")
        return "", ()
    variants = []
    for index, item in enumerate(value):
        line = value.line_of(index)
        last = index == len(value) - 1
        tags: frozenset[str] = frozenset()
        if isinstance(item, str):
            text, when, has_when = item.strip(), frozen(), False
        else:
            spec = reader.mapping(item, line, f"each variant of `{key}` of {what}")
            if spec is None:
                continue
            where = f"variant {index + 1} of `{key}` of {what}"
            reader.keys(spec, where, required=("text",), optional=("when", "tags"))
            text, when, has_when = reader.text(spec, "text", where), checker.condition(spec, "when", where), "when" in spec
            tags = _tags(reader, spec, where)
            if has_when and last:
                reader.fail(
                    spec.line_of("when"),
                    f"the last variant of `{key}` of {what} must not have `when`: it is the text shown otherwise",
                )
        if not has_when and not last:
            reader.fail(line, f"variant {index + 1} of `{key}` of {what} needs `when`: only the last variant may leave it out")
        variants.append(Text(text=text, when=when, line=line, tags=tags))
    return (variants[-1].text if variants else ""), tuple(variants)


def _text_items(reader: Reader, checker: _StateChecker, raw: LocatedDict, key: str, what: str) -> tuple[Text, ...]:
    """A list of texts, each a plain string or `{when, text}` (shown only when the state matches)."""
    items = reader.sequence(raw, key, what)
    result = []
    for index, item in enumerate(items):
        line = items.line_of(index)
        if isinstance(item, str):
            result.append(Text(text=item.strip(), line=line))
        elif isinstance(item, LocatedDict):
            where = f"item {index + 1} of `{key}` of {what}"
            reader.keys(item, where, required=("text",), optional=("when", "tags"))
            result.append(Text(
                text=reader.text(item, "text", where), when=checker.condition(item, "when", where), line=line,
                tags=_tags(reader, item, where),
            ))
        else:
            reader.fail(line, f"each item of `{key}` in {what} must be text or {{when, text}}, not {describe(item)}")
    return tuple(result)


def _tags(reader: Reader, spec: LocatedDict, where: str) -> frozenset[str]:
    items = reader.sequence(spec, "tags", where)
    tags = set()
    for index, item in enumerate(items):
        if isinstance(item, str) and TAG_PATTERN.match(item):
            tags.add(item)
        else:
            reader.fail(items.line_of(index), f"each tag of {where} must be a name (lower-case letters, digits and _), not {describe(item)}")
    return frozenset(tags)


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
        optional=("hint", "more", "sources", "case_studies", "answers", "fields", "not_sure", "terminal"),
    )
    node_id = reader.identifier(raw, "id", "a node")
    what = f"node {node_id!r}"
    question, question_variants = _variants(reader, checker, raw, "question", what)
    hint, hint_variants = _variants(reader, checker, raw, "hint", what)
    more, more_variants = _variants(reader, checker, raw, "more", what)
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
        question=question,
        hint=hint,
        question_variants=question_variants,
        hint_variants=hint_variants,
        more=more,
        more_variants=more_variants,
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
            optional=("hint", "set", "unless", "only_when", "requires_rationale"),
        )
        answer_id = reader.identifier(answer, "id", f"an answer of {what}")
        where = f"answer {answer_id!r} of {what}"
        if answer_id in seen:
            reader.fail(answer.line_of("id"), f"duplicate answer id {answer_id!r} in {what} (first on line {seen[answer_id]})")
            continue
        seen[answer_id] = answer.line_of("id")
        raw_next = answer.get("next")
        routes: tuple[Route, ...] = ()
        if isinstance(raw_next, LocatedList):
            routes = _routes(reader, checker, raw_next, answer.line_of("next"), where)
            next_id = routes[-1].next if routes else ""
        elif isinstance(raw_next, str):
            next_id = raw_next
        else:
            reader.fail(answer.line_of("next"), f"`next` of {where} must be a node id or a list of cases, not {describe(raw_next)}")
            next_id = ""
        sets = checker.assignment(answer, "set", where)
        set_variables = set(sets).union(*(route.set for route in routes))
        default_rationale = bool(RATIONALE_VARIABLES & set_variables)
        answers.append(
            Answer(
                id=answer_id,
                label=reader.text(answer, "label", where),
                hint=reader.text(answer, "hint", where),
                next=next_id,
                set=sets,
                unless=checker.condition(answer, "unless", where),
                only_when=checker.condition(answer, "only_when", where),
                routes=routes,
                requires_rationale=reader.flag(answer, "requires_rationale", where, default=default_rationale),
                line=answer.line_of("id"),
                next_line=answer.line_of("next"),
            )
        )
    return answers


def _routes(
    reader: Reader, checker: _StateChecker, cases: LocatedList, line: int, where: str
) -> tuple[Route, ...]:
    """`next` as a list of cases `{when, next, set}`: the first whose `when` matches is taken."""
    if not cases:
        reader.fail(line, f"`next` of {where} has no cases: give a node id or at least one case")
        return ()
    routes = []
    for index, item in enumerate(cases):
        what = f"case {index + 1} of `next` of {where}"
        case = reader.mapping(item, cases.line_of(index), what)
        if case is None:
            continue
        reader.keys(case, what, required=("next",), optional=("when", "set"))
        last = index == len(cases) - 1
        if last and "when" in case:
            reader.fail(case.line_of("when"), f"the last case of `next` of {where} must not have `when`: it is the route taken otherwise")
        elif not last and "when" not in case:
            reader.fail(case.line, f"{what} needs `when`: only the last case may leave it out")
        elif not last and case.get("when") == {}:
            reader.fail(case.line_of("when"), f"{what} has an empty `when`: name at least one variable")
        target = case.get("next")
        if not isinstance(target, str):
            if "next" in case:
                reader.fail(case.line_of("next"), f"`next` of {what} must be a node id, not {describe(target)}")
            target = ""

        routes.append(
            Route(
                when=checker.condition(case, "when", what),
                next=target,
                set=checker.assignment(case, "set", what),
                line=case.line_of("next"),
            )
        )
    return tuple(routes)


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
    pending: list[tuple[int, LocatedDict, str]] = []
    items = reader.sequence(raw, "fields", what)
    for index, item in enumerate(items):
        spec = reader.mapping(item, items.line_of(index), f"each field of {what}")
        if spec is None:
            continue
        reader.keys(
            spec, f"a field of {what}", required=("id", "label"),
            optional=("hint", "type", "choices", "required", "required_for", "required_when", "required_if", "shown_for",
                      "shown_when", "min", "max"),
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
        bounds = {}
        for bound in ("min", "max"):
            value = spec.get(bound)
            if value is None:
                continue
            if field_type != "number":
                reader.fail(spec.line_of(bound), f"{where}: `{bound}` goes with type `number`, and only with it")
            elif not isinstance(value, int) or isinstance(value, bool):
                reader.fail(spec.line_of(bound), f"{where}: `{bound}` must be a whole number, not {describe(value)}")
            else:
                bounds[bound] = value
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            reader.fail(spec.line_of("max"), f"{where}: `max` is smaller than `min`")
        shown_for = reader.identifiers(spec, "shown_for", where)
        for answer_id, line in shown_for:
            if answer_id not in answer_ids:
                reader.fail(line, f"{where}: `shown_for` names {answer_id!r}, which is not an answer of {what}")
        shown = {answer_id for answer_id, _ in shown_for}
        required_for = reader.identifiers(spec, "required_for", where)
        for answer_id, line in required_for:
            if answer_id not in answer_ids:
                reader.fail(line, f"{where}: `required_for` names {answer_id!r}, which is not an answer of {what}")
            elif shown and answer_id not in shown:
                reader.fail(line, f"{where}: `required_for` names {answer_id!r}, but the field is not shown for it")
        if "required_if" in spec:
            pending.append((len(fields), spec, where))
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
                shown_for=frozenset(shown),
                line=spec.line_of("id"),
                minimum=bounds.get("min"),
                maximum=bounds.get("max"),
                shown_when=checker.condition(spec, "shown_when", where),
            )
        )
    by_id = {f.id: f for f in fields}
    for index, spec, where in pending:
        fields[index] = replace(fields[index], required_if=_required_if(reader, spec, where, fields[index].id, by_id, what))
    return tuple(fields)


def _required_if(
    reader: Reader, spec: LocatedDict, where: str, own_id: str, by_id: dict[str, Field], what: str
) -> Condition:
    """`required_if: {other_field: value or [values]}`, checked against the other fields on the page."""
    mapping = reader.mapping(spec.get("required_if"), spec.line_of("required_if"), f"`required_if` of {where}")
    if mapping is None:
        return frozen()
    result: dict[str, Any] = {}
    for other_id, value in mapping.items():
        line = mapping.line_of(other_id)
        other = by_id.get(other_id) if other_id != own_id else None
        if other is None:
            reader.fail(line, f"{where}: `required_if` names {other_id!r}, which is not another field of {what}")
            continue
        values = list(value) if isinstance(value, LocatedList) else [value]
        if not values:
            reader.fail(line, f"{where}: `required_if`: the list of values for {other_id!r} is empty")
            continue
        ok = True
        for item in values:
            if other.type == "choice":
                choice_ids = [c.id for c in other.choices]
                if item not in choice_ids:
                    reader.fail(line, f"{where}: `required_if`: {describe(item)} is not a choice of field {other_id!r} (choices: {', '.join(choice_ids)})")
                    ok = False
            elif other.type == "confirm":
                if not isinstance(item, bool):
                    reader.fail(line, f"{where}: `required_if`: field {other_id!r} is a `confirm` box, so the value must be true or false, not {describe(item)}")
                    ok = False
            elif not isinstance(item, str):
                reader.fail(line, f"{where}: `required_if`: field {other_id!r} holds text, not {describe(item)}")
                ok = False
        if ok:
            result[other_id] = tuple(dict.fromkeys(values)) if isinstance(value, LocatedList) else value
    return frozen(result)


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
            optional=("when", "when_any", "requires_approval", "approval", "approval_mode", "summary", "what_to_do",
                      "lawful_basis", "record_must_contain", "shares"),
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
        title, title_variants = _variants(reader, checker, raw, "title", what)
        summary, summary_variants = _variants(reader, checker, raw, "summary", what)
        approval = reader.text(raw, "approval", what)
        if approval not in ("", "retrospective"):
            reader.fail(raw.line_of("approval"), f"{what}: `approval` may only be \"retrospective\"")
        modes = _approval_modes(reader, checker, raw, what)
        requires_approval = reader.flag(raw, "requires_approval", what)
        if modes:
            if "requires_approval" in raw or "approval" in raw:
                reader.fail(raw.line_of("approval_mode"), f"{what}: `approval_mode` replaces `requires_approval` and `approval`: give only `approval_mode`")
            requires_approval = any(case.mode != "none" for case in modes)
        outcomes.append(
            Outcome(
                id=outcome_id,
                title=title,
                summary=summary,
                title_variants=title_variants,
                summary_variants=summary_variants,
                shares=reader.flag(raw, "shares", what),
                when=checker.condition(raw, "when", what),
                when_any=tuple(when_any),
                requires_approval=requires_approval,
                approval=approval,
                approval_modes=modes,
                what_to_do_items=_text_items(reader, checker, raw, "what_to_do", what),
                lawful_basis_items=_text_items(reader, checker, raw, "lawful_basis", what),
                record_must_contain_items=_text_items(reader, checker, raw, "record_must_contain", what),
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
    routes: tuple[Route, ...] = ()
    if isinstance(next_id, LocatedList):
        routes = _routes(reader, checker, next_id, raw.line_of("next"), "`urgent`")
        next_id = routes[-1].next if routes else ""
    elif not isinstance(next_id, str):
        reader.fail(raw.line_of("next"), f"`next` of `urgent` must be a node id or a list of cases, not {describe(next_id)}")
        next_id = ""
    return Urgent(
        label=reader.text(raw, "label", "`urgent`"),
        next=next_id,
        guidance=reader.texts(raw, "guidance", "`urgent`"),
        set=checker.assignment(raw, "set", "`urgent`"),
        routes=routes,
    )


def _approval_modes(reader: Reader, checker: _StateChecker, raw: LocatedDict, what: str) -> tuple[ModeCase, ...]:
    """`approval_mode`: one mode, or a list of cases `{when, mode}` whose last has no `when`."""
    value = raw.get("approval_mode")
    if value is None:
        return ()
    line = raw.line_of("approval_mode")
    if isinstance(value, str):
        if value not in APPROVAL_MODES:
            reader.fail(line, f"{what}: `approval_mode` must be one of {', '.join(APPROVAL_MODES)}, not {value!r}")
            return ()
        return (ModeCase(mode=value, line=line),)
    if not isinstance(value, LocatedList) or not value:
        reader.fail(line, f"{what}: `approval_mode` must be a mode or a non-empty list of cases, not {describe(value)}")
        return ()
    cases = []
    for index, item in enumerate(value):
        where = f"case {index + 1} of `approval_mode` of {what}"
        case = reader.mapping(item, value.line_of(index), where)
        if case is None:
            continue
        reader.keys(case, where, required=("mode",), optional=("when",))
        last = index == len(value) - 1
        if last and "when" in case:
            reader.fail(case.line_of("when"), f"the last case of `approval_mode` of {what} must not have `when`: it is the mode otherwise")
        elif not last and "when" not in case:
            reader.fail(case.line, f"{where} needs `when`: only the last case may leave it out")
        mode = reader.text(case, "mode", where)
        if mode not in APPROVAL_MODES:
            reader.fail(case.line_of("mode"), f"{where}: `mode` must be one of {', '.join(APPROVAL_MODES)}, not {mode!r}")
            continue
        cases.append(ModeCase(mode=mode, when=checker.condition(case, "when", where), line=case.line))
    return tuple(cases)


def _approver_answers(reader: Reader, top: LocatedDict, checker: _StateChecker) -> dict[str, tuple[ApproverAnswer, ...]]:
    """`approval`: for each mode that needs an approver, what they may answer and when it is offered."""
    raw = top.get("approval")
    if raw is None:
        return {}
    spec = reader.mapping(raw, top.line_of("approval"), "`approval`")
    if spec is None:
        return {}
    reader.keys(spec, "`approval`", required=tuple(APPROVER_RESULTS))
    result: dict[str, tuple[ApproverAnswer, ...]] = {}
    for mode, results in APPROVER_RESULTS.items():
        if mode not in spec:
            continue
        what = f"approval mode {mode!r}"
        mode_spec = reader.mapping(spec[mode], spec.line_of(mode), what)
        if mode_spec is None:
            continue
        reader.keys(mode_spec, what, required=("answers",))
        answers, seen = [], set()
        items = reader.sequence(mode_spec, "answers", what, required=True)
        for index, item in enumerate(items):
            answer = reader.mapping(item, items.line_of(index), f"each answer of {what}")
            if answer is None:
                continue
            reader.keys(answer, f"an answer of {what}", required=("id", "label", "result"), optional=("hint", "unless", "only_when"))
            answer_id = reader.identifier(answer, "id", f"an answer of {what}")
            where = f"answer {answer_id!r} of {what}"
            if answer_id in seen:
                reader.fail(answer.line_of("id"), f"duplicate answer id {answer_id!r} in {what}")
            seen.add(answer_id)
            outcome = reader.text(answer, "result", where)
            if outcome not in results:
                reader.fail(answer.line_of("result"), f"{where}: `result` must be one of {', '.join(results)}, not {outcome!r}")
            answers.append(ApproverAnswer(
                id=answer_id, label=reader.text(answer, "label", where), hint=reader.text(answer, "hint", where),
                result=outcome, unless=checker.condition(answer, "unless", where),
                only_when=checker.condition(answer, "only_when", where), line=answer.line_of("id"),
            ))
        result[mode] = tuple(answers)
    return result


def _retention(
    reader: Reader, top: LocatedDict, checker: _StateChecker
) -> tuple[tuple[RetentionClass, ...], tuple[RetentionRule, ...]]:
    """`retention`: the classes (years, and for a child a birthday to keep to) and the rules choosing one."""
    raw = top.get("retention")
    if raw is None:
        return (), ()
    spec = reader.mapping(raw, top.line_of("retention"), "`retention`")
    if spec is None:
        return (), ()
    reader.keys(spec, "`retention`", required=("classes", "rules"))
    classes: list[RetentionClass] = []
    items = reader.sequence(spec, "classes", "`retention`", required=True)
    for index, item in enumerate(items):
        entry = reader.mapping(item, items.line_of(index), "each retention class")
        if entry is None:
            continue
        reader.keys(entry, "a retention class", required=("id", "label", "years"), optional=("until_age",))
        class_id = reader.identifier(entry, "id", "a retention class")
        where = f"retention class {class_id!r}"
        if any(c.id == class_id for c in classes):
            reader.fail(entry.line_of("id"), f"duplicate retention class {class_id!r}")
        numbers = {}
        for key in ("years", "until_age"):
            value = entry.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                reader.fail(entry.line_of(key), f"{where}: `{key}` must be a whole number of at least 1, not {describe(value)}")
            else:
                numbers[key] = value
        classes.append(RetentionClass(
            id=class_id, label=reader.text(entry, "label", where), years=numbers.get("years", 1),
            until_age=numbers.get("until_age"), line=entry.line_of("id"),
        ))
    rules: list[RetentionRule] = []
    items = reader.sequence(spec, "rules", "`retention`", required=True)
    class_ids = {c.id for c in classes}
    for index, item in enumerate(items):
        where = f"retention rule {index + 1}"
        entry = reader.mapping(item, items.line_of(index), where)
        if entry is None:
            continue
        reader.keys(entry, where, required=("class",), optional=("when",))
        last = index == len(items) - 1
        if last and "when" in entry:
            reader.fail(entry.line_of("when"), "the last retention rule must not have `when`: every final state needs a class")
        elif not last and "when" not in entry:
            reader.fail(entry.line, f"{where} needs `when`: only the last rule may leave it out")
        class_id = reader.identifier(entry, "class", where)
        if class_id and class_id not in class_ids:
            reader.fail(entry.line_of("class"), f"{where} names {class_id!r}, which is not a retention class")
        rules.append(RetentionRule(class_id=class_id, when=checker.condition(entry, "when", where), line=entry.line))
    return tuple(classes), tuple(rules)


def _hint_word_limit(reader: Reader, top: LocatedDict, nodes: list[Node]) -> int | None:
    """`hint_word_limit`: no hint shown on a page may be longer; the rest goes behind "More about this"."""
    value = top.get("hint_word_limit")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        reader.fail(top.line_of("hint_word_limit"), f"`hint_word_limit` must be a whole number, not {describe(value)}")
        return None
    for node in nodes:
        variants = node.hint_variants or ((Text(node.hint, line=node.line),) if node.hint else ())
        for variant in variants:
            words = len(WORD.findall(variant.text))
            if words > value:
                reader.fail(
                    variant.line or node.line,
                    f"the hint of node {node.id!r} has {words} words, over the limit of {value}: move the rest to `more`",
                )
    return value


def _glossary(reader: Reader, top: LocatedDict) -> tuple[GlossaryTerm, ...]:
    terms: list[GlossaryTerm] = []
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    items = reader.sequence(top, "glossary", "the flowchart")
    for index, item in enumerate(items):
        entry = reader.mapping(item, items.line_of(index), "each glossary entry")
        if entry is None:
            continue
        reader.keys(entry, "a glossary entry", required=("id", "term", "definition"), optional=("aliases", "sources"))
        term_id = reader.identifier(entry, "id", "a glossary entry")
        what = f"glossary entry {term_id!r}"
        if term_id in ids:
            reader.fail(entry.line_of("id"), f"duplicate glossary id {term_id!r} (first on line {ids[term_id]})")
        elif term_id:
            ids[term_id] = entry.line_of("id")
        term = reader.text(entry, "term", what)
        wordings = [(term, entry.line_of("term"))] if term else []
        aliases = reader.sequence(entry, "aliases", what)
        for alias_index, alias in enumerate(aliases):
            if isinstance(alias, str) and alias.strip():
                wordings.append((alias.strip(), aliases.line_of(alias_index)))
            else:
                reader.fail(aliases.line_of(alias_index), f"each alias of {what} must be text, not {describe(alias)}")
        for wording, line in wordings:
            key = " ".join(wording.casefold().split())
            if key in names:
                reader.fail(line, f"{what}: the term or alias {wording!r} is already used on line {names[key]}")
            else:
                names[key] = line
        terms.append(
            GlossaryTerm(
                id=term_id,
                term=term,
                definition=reader.text(entry, "definition", what),
                aliases=tuple(w for w, _ in wordings[1 if term else 0:]),
                sources=_sources(reader, entry, what),
                line=entry.line_of("id"),
            )
        )
    return tuple(terms)


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
    for route in flowchart.urgent.routes:
        if route.next not in nodes:
            reader.fail(route.line or 1, f"`urgent` leads to {route.next!r}, which is not a node")
    for node in nodes.values():
        for answer in node.answers:
            for route in answer.routes:
                if route.next == RETURN:
                    if node.id != ADVICE:
                        reader.fail(route.line or answer.next_line, f"{RETURN!r} is only allowed on the answers of {ADVICE}")
                elif route.next not in nodes:
                    reader.fail(route.line, f"answer {answer.id!r} of {node.id!r} leads to {route.next!r}, which is not a node")
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
    """Answer edges (one per route case) and the urgent button's, with `@return` read as an edge back
    to every node that can lead to advice."""
    edges = {node_id: set() for node_id in flowchart.nodes}
    returners = (
        {n.id for n in flowchart.nodes.values() if any(r.next == ADVICE for a in n.answers for r in a.routes)}
        if returns else set()
    )
    urgent_targets = {route.next for route in flowchart.urgent.routes}
    for node in flowchart.nodes.values():
        if not node.is_terminal:
            edges[node.id] |= urgent_targets
        for answer in node.answers:
            for route in answer.routes:
                edges[node.id] |= returners if route.next == RETURN else {route.next}
    return edges


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def final_state_reads(flowchart: Flowchart) -> set[str]:
    """What the end of a walk reads besides the outcome rules: approval modes, the approver's offers,
    retention rules."""
    reads: set[str] = set()
    for outcome in flowchart.outcomes:
        for case in outcome.approval_modes:
            reads |= condition_variables(case.when)
    for answers in flowchart.approver_answers.values():
        for answer in answers:
            reads |= condition_variables(answer.unless) | condition_variables(answer.only_when)
    for rule in flowchart.retention_rules:
        reads |= condition_variables(rule.when)
    return reads


def _check_outcomes(reader: Reader, flowchart: Flowchart) -> None:
    """Explore every reachable (node, state) pair, urgent button included, and check the rules.

    Only variables that some condition may still read can change where a walk goes or how it ends,
    so the search keeps just those at each node (isg/engine/search.py): the same answer, far fewer
    states. What a final state declares beyond its outcome (approval mode, the approver's answers,
    retention) is checked with the safety rules, by prove.py.
    """
    exploration = explore(
        flowchart, live_variables(flowchart, route_reads(flowchart)),
        classes=value_classes(flowchart, routing_conditions(flowchart)),
    )
    reached: set[str] = set()
    unmatched: list[dict[str, Any]] = []
    stuck: list[tuple[Node, dict[str, Any]]] = []
    for key in exploration.order:
        node = flowchart.node(key[0])
        state = exploration.states[key]
        if not node.is_terminal:
            if not node.offered_answers(state):
                stuck.append((node, dict(state)))
            continue
        outcome = next((o for o in flowchart.outcomes if o.applies_to(state)), None)
        if outcome is None:
            unmatched.append(dict(state))
        else:
            reached.add(outcome.id)
    for outcome in flowchart.outcomes:
        if outcome.id not in reached:
            reader.fail(outcome.line, f"outcome {outcome.id!r} can never be reached: an earlier rule or the graph always prevents it")
    if unmatched:
        reader.fail(1, f"a walk can reach the end with a state that no outcome rule matches: {unmatched[0]}")
    if stuck:
        node, state = stuck[0]
        reader.fail(node.line, f"node {node.id!r} offers no answer when the state is {state}: check `only_when` and `unless`")
