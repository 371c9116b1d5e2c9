"""The flowchart as a diagram: Graphviz DOT text and a plain outline, both generated from the YAML.

Pure Python: `to_dot` builds the DOT source (the web layer runs Graphviz on it), `outline` gives the
same content as data for a text alternative (each question, each answer and where it leads), and
`path_edges` works out which boxes and arrows a walk went through, for highlighting.

Every question is a box labelled with its (default) question, every answer an arrow labelled with
its answer. Answers of one question that lead to the same place under the same condition share one
arrow, labelled with each of them. A conditional `next` gives one arrow per target, labelled with
the condition in plain words. The implicit "I'm not sure" answers are shown once, as a note beside
the advice question; the urgent button once, as a box at the top. The outcomes sit in a cluster
under `record`, in the order they are checked.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import (
    ADVICE,
    NOT_SURE,
    RETURN,
    START,
    URGENT_ANSWER,
    URGENT_NODE,
    Answer,
    AnyOf,
    Condition,
    Flowchart,
    Node,
    Outcome,
    StateValue,
    condition_values,
    frozen,
)
from .walk import transition

PATH_CLASS = "isg-path"
PATH_LABEL = "your path"
NOT_SURE_NOTE = "I'm not sure → get advice, then return"
RETURN_TEXT = "back to the question you were not sure about"
OTHERWISE = "otherwise"

# Plain words for the state a condition tests, so an arrow can say "if the mother is under 16".
# A variable or value missing here still gets words ("if mother age is under 16"); the tests
# check that every condition the live flowchart routes on has its own words.
PHRASES: dict[str, dict[StateValue, str]] = {
    "direction": {
        "asked_to_share": "someone asked you to share",
        "want_to_share": "you want to share",
        "want_to_request": "you are asking for information",
    },
    "emergency": {True: "it is an emergency", False: "it is not an emergency"},
    "duty": {True: "a legal duty requires it", False: "no legal duty requires it"},
    "identifiable": {True: "someone could be identified", False: "no one could be identified"},
    "confidential": {
        "yes": "the information is confidential",
        "no": "the information is not confidential",
        "partly": "the information is partly confidential",
    },
    "subject_type": {
        "adult": "it is about an adult",
        "young_person_16_17": "it is about a young person aged 16 or 17",
        "child_under_16": "it is about a child under 16",
        "unborn": "it is about an unborn baby",
    },
    "mother_age": {
        "18_plus": "the mother is 18 or over",
        "16_17": "the mother is 16 or 17",
        "under_16": "the mother is under 16",
    },
    "capacity": {
        "presumed": "they are presumed able to decide",
        "has_capacity": "they can decide",
        "lacks_capacity": "they lack capacity to decide",
        "gillick_competent": "the child can decide",
        "not_competent": "the child cannot decide",
    },
    "consenter": {
        "self": "they decide for themselves",
        "pr_holder": "a person with parental responsibility decides",
        "attorney": "an attorney decides",
        "deputy": "a Court of Protection deputy decides",
        "attorney_or_deputy": "an attorney or deputy decides",
    },
    "consent_status": {
        "given": "they agreed",
        "partly_given": "they agreed to part of it",
        "refused": "they refused",
        "unable": "they could not decide",
        "pressured": "they seemed pressured",
        "conflicting": "it is unclear whose view counts",
        "not_sought_unsafe": "asking was unsafe",
        "not_sought_impracticable": "asking was not practicable",
        "not_applicable": "consent does not apply",
        "not_needed": "consent is not needed to protect someone",
    },
    "harm_level": {
        "serious": "someone is at risk of serious harm",
        "wellbeing": "there is a lower-level need",
        "none": "no one is at risk of harm",
    },
    "public_interest": {
        "share_full": "the public interest favours sharing",
        "share_limited": "the public interest favours sharing a limited part",
        "no": "the public interest does not favour sharing",
    },
    "approval": {
        "approved": "your manager agreed",
        "retrospective": "approval will follow afterwards",
        "not_approved": "your manager did not agree",
    },
    "requester_verified": {"yes": "you checked who is asking", "no": "you could not check who is asking"},
    "duty_basis": {
        "court_order": "a court order requires it",
        "s47_request": "a child protection (s.47) request requires it",
        "s16h_requirement": "the safeguarding partners require it (s.16H)",
        "care_act_s45": "a Safeguarding Adults Board requires it (s.45)",
        "fgm_report": "the FGM reporting duty applies",
        "other_law": "another law requires it",
    },
    "not_confidential_reason": {"public": "it is already public", "trivial": "it is trivial"},
    "harm_ground": {
        "child_significant_harm": "a child is at risk of significant harm",
        "adult_at_risk": "an adult at risk may be abused or neglected",
        "under_13": "sexual activity involved a child under 13",
        "others_serious": "someone else is at risk of serious harm",
        "serious_crime": "a serious crime may be committed",
    },
    "sexual_flags": {True: "signs of sexual abuse or exploitation were recorded", False: "no signs were recorded"},
    "recipient_route": {
        "statutory": "it goes to social care, the police, a strategy meeting or MARAC",
        "other": "it goes to another organisation or person",
    },
    "recipient_kind": {
        "social_care": "it goes to social care",
        "police": "it goes to the police",
        "multi_agency_meeting": "it goes to a strategy meeting or MARAC",
        "other": "it goes to another organisation or person",
    },
    "decision": {"share": "the decision is to share", "do_not_share": "the decision is not to share"},
    "limited": {True: "only part is shared", False: "everything relevant is shared"},
    "review_required": {True: "a review is needed", False: "no review is needed"},
    "unresolved": {True: "a question is still unresolved", False: "no question is unresolved"},
    "informed": {
        "already_aware": "the person already knows",
        "will_inform": "the person will be told",
        "not_informing": "the person will not be told for now",
    },
}

# Presentation attributes (no `style=`): the diagram looks right without any stylesheet, in an
# <img>, a PDF or a browser tab. The page's stylesheet refines it through the classes.
FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"
INK = "#0b0c0c"
GREY = "#505a5f"
PATH_COLOUR = "#1d70b8"
PATH_FILL = "#fff7bf"
URGENT_COLOUR = "#d4351c"
PALE = "#f3f2f1"
QUESTION_WIDTH = 30
ANSWER_WIDTH = 26
OUTCOME_WIDTH = 28
OUTCOMES_PER_ROW = 4


# -- plain words ------------------------------------------------------------------------------


def _humane(value: StateValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def phrase(variable: str, value: StateValue) -> str:
    """Plain words for `variable == value`, from PHRASES or made from the names."""
    words = PHRASES.get(variable, {}).get(value)
    return words if words is not None else f"{variable.replace('_', ' ')} is {_humane(value)}"


def has_phrase(variable: str, value: StateValue) -> bool:
    return value in PHRASES.get(variable, {})


def describe_condition(condition: Condition) -> str:
    """The condition as a clause without "if": 'the mother is under 16 and it is an emergency'.

    A condition that is any of several clauses reads 'A, or B'.
    """
    if isinstance(condition, AnyOf):
        return _join([describe_condition(clause) for clause in condition.clauses], "or")
    clauses = []
    for variable, value in condition.items():
        options = [phrase(variable, v) if v is not None else f"{variable.replace('_', ' ')} is not yet known"
                   for v in condition_values(value)]
        clauses.append(_join(options, "or"))
    return _join(clauses, "and")


def _join(items: Sequence[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def describe_outcome_rule(outcome: Outcome) -> str:
    """When an outcome applies, in plain words ('if it is an emergency'; 'in every other case')."""
    parts = []
    if outcome.when:
        parts.append(describe_condition(outcome.when))
    if outcome.when_any:
        parts.append(_join([describe_condition(c) for c in outcome.when_any], "or"))
    return f"if {' and '.join(parts)}" if parts else "in every other case"


# -- the outline: what the diagram and the text alternative both show -------------------------


@dataclass(frozen=True)
class Destination:
    """Where an answer leads: a node id (or RETURN), and the condition in words ('' if always)."""

    target: str
    condition: str = ""
    number: int = 0  # the target question's number (0 for RETURN)
    question: str = ""  # the target question, or "back to the question you were not sure about"


@dataclass(frozen=True)
class AnswerOutline:
    id: str
    label: str
    destinations: tuple[Destination, ...]
    offered: str = ""  # "" if always offered; else 'only if ...' / 'not offered if ...'
    implicit: bool = False  # the engine's "I'm not sure"


@dataclass(frozen=True)
class QuestionOutline:
    number: int
    node: Node
    answers: tuple[AnswerOutline, ...]

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def question(self) -> str:
        return self.node.question

    @property
    def offers_not_sure(self) -> bool:
        return any(a.implicit for a in self.answers)

    @property
    def is_terminal(self) -> bool:
        return self.node.is_terminal


@dataclass(frozen=True)
class OutcomeOutline:
    number: int
    outcome: Outcome
    rule: str


@dataclass(frozen=True)
class Outline:
    flowchart: Flowchart
    questions: tuple[QuestionOutline, ...]
    outcomes: tuple[OutcomeOutline, ...]
    numbers: dict[str, int] = field(default_factory=dict)

    def question(self, node_id: str) -> QuestionOutline:
        return self.questions[self.numbers[node_id] - 1]


def destinations(answer: Answer) -> tuple[Destination, ...]:
    """An answer's routes grouped by target, in order; a condition only where targets differ."""
    targets: dict[str, list[str]] = {}
    for route in answer.routes:
        words = f"if {describe_condition(route.when)}" if route.when else OTHERWISE
        targets.setdefault(route.next, []).append(words)
    if len(targets) == 1:
        return (Destination(next(iter(targets))),)
    found = []
    for target, conditions in targets.items():
        words = OTHERWISE if OTHERWISE in conditions else _join(conditions, "or")
        found.append(Destination(target, words))
    return tuple(found)


def _offered(answer: Answer) -> str:
    parts = []
    if answer.only_when:
        parts.append(f"only offered if {describe_condition(answer.only_when)}")
    if answer.unless:
        parts.append(f"not offered if {describe_condition(answer.unless)}")
    return "; ".join(parts)


def outline(flowchart: Flowchart) -> Outline:
    """Every question (numbered in file order), its answers and where each leads; the outcomes."""
    questions = []
    numbers = {node_id: number for number, node_id in enumerate(flowchart.nodes, start=1)}
    for node in flowchart.nodes.values():
        answers = tuple(
            AnswerOutline(
                id=answer.id,
                label=answer.label,
                destinations=tuple(_resolve(d, flowchart, numbers) for d in destinations(answer)),
                offered=_offered(answer),
                implicit=_is_implicit_not_sure(node, answer),
            )
            for answer in node.answers
        )
        questions.append(QuestionOutline(numbers[node.id], node, answers))
    outcomes = tuple(
        OutcomeOutline(number, outcome, describe_outcome_rule(outcome))
        for number, outcome in enumerate(flowchart.outcomes, start=1)
    )
    return Outline(flowchart, tuple(questions), outcomes, numbers)


def _resolve(destination: Destination, flowchart: Flowchart, numbers: dict[str, int]) -> Destination:
    if destination.target == RETURN:
        return Destination(destination.target, destination.condition, 0, RETURN_TEXT)
    node = flowchart.nodes.get(destination.target)
    return Destination(
        destination.target, destination.condition, numbers.get(destination.target, 0),
        node.question if node else destination.target,
    )


def _is_implicit_not_sure(node: Node, answer: Answer) -> bool:
    return node.offers_not_sure and answer.id == NOT_SURE and answer.next == ADVICE


# -- a walk's path ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PathEdges:
    """What a walk went through: node ids, (node, answer, target) moves, and the outcome reached."""

    nodes: frozenset[str]
    moves: frozenset[tuple[str, str, str]]
    urgent: bool = False
    outcome: str = ""
    visited: tuple[str, ...] = ()  # node ids in the order the walk reached them


def step_pair(step: object) -> tuple[str, str]:
    """(node, answer) from a walk Step or a (node, answer) pair."""
    if isinstance(step, tuple | list):
        node, answer = step[0], step[1]
    else:
        node, answer = step.node, step.answer  # type: ignore[attr-defined]
    return str(node), str(answer)


def path_edges(flowchart: Flowchart, path: Iterable[object]) -> PathEdges:
    """Replay `path` ((node, answer) pairs or walk Steps); stop quietly at a step that is not allowed."""
    at, state, return_to = START, frozen(), None
    nodes, moves, visited = {START}, set(), [START]
    urgent = False
    for step in path:
        node_id, answer_id = step_pair(step)
        try:
            target, new_state, new_return = transition(flowchart, at, state, return_to, node_id, answer_id)
        except (ValueError, KeyError):
            break
        if node_id == URGENT_NODE:
            urgent = True
            moves.add((URGENT_NODE, URGENT_ANSWER, target))
        else:
            answer = flowchart.node(node_id).answer(answer_id)
            route = answer.route_for(state) if answer is not None else None
            moves.add((node_id, answer_id, route.next if route is not None else target))
        at, state, return_to = target, new_state, new_return
        nodes.add(at)
        visited.append(at)
    outcome = ""
    if flowchart.node(at).is_terminal:
        try:
            outcome = flowchart.outcome_for(state).id
        except LookupError:
            outcome = ""
    return PathEdges(frozenset(nodes), frozenset(moves), urgent, outcome, tuple(visited))


# -- DOT --------------------------------------------------------------------------------------


def dot_string(text: str) -> str:
    """A DOT double-quoted string holding `text` literally.

    Backslashes and quotes are escaped for DOT, and `&` becomes `&amp;` because Graphviz reads
    entities in labels (the SVG then says `&amp;` for a literal `&`). Newlines become DOT's
    centred line breaks.
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    escaped = escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{escaped}"'


def wrap(text: str, width: int) -> str:
    """Text wrapped to lines of about `width` characters (joined with newlines)."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, break_long_words=False, break_on_hyphens=False) or [""])
    return "\n".join(lines)


def _attrs(**attributes: str | int | float | bool) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(f"{key.rstrip('_')}={dot_string(str(value))}")
    return f" [{', '.join(parts)}]" if parts else ""


_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def _id(prefix: str, *parts: str) -> str:
    return "-".join([prefix, *(_SAFE_ID.sub("_", p) for p in parts)])


def _node_name(node_id: str) -> str:
    return dot_string(f"n:{node_id}")


@dataclass
class _Drawing:
    """What every part of the DOT needs: the outline, the walk (if any) and the id prefix."""

    flowchart: Flowchart
    plan: Outline
    walked: PathEdges | None
    prefix: str
    lines: list[str] = field(default_factory=list)

    @property
    def moves(self) -> frozenset[tuple[str, str, str]]:
        return self.walked.moves if self.walked else frozenset()

    def visited(self, node_id: str) -> bool:
        return bool(self.walked and node_id in self.walked.nodes)

    def id(self, *parts: str) -> str:
        return _id(self.prefix, *parts)

    def add(self, statement: str, indent: int = 2) -> None:
        self.lines.append(" " * indent + statement + ";")


def to_dot(
    flowchart: Flowchart,
    path: Iterable[object] | None = None,
    *,
    id_prefix: str = "isg-diagram",
) -> str:
    """The whole flowchart as Graphviz DOT; with `path`, its boxes and arrows carry PATH_CLASS.

    Every element gets an `id` starting with `id_prefix`, so two diagrams can share a page.
    """
    walked = path_edges(flowchart, path) if path is not None else None
    drawing = _Drawing(flowchart, outline(flowchart), walked, id_prefix)
    _defaults(drawing)
    _questions(drawing)
    if flowchart.urgent is not None:
        _urgent(drawing)
    note = _not_sure_note(drawing)
    _answers(drawing, note)
    _outcomes(drawing)
    return f"digraph {dot_string(id_prefix)} {{\n" + "\n".join(drawing.lines) + "\n}\n"


def _defaults(d: _Drawing) -> None:
    d.add("graph" + _attrs(
        id=d.id("graph"), rankdir="TB", newrank=True, nodesep=0.25, ranksep=0.45,
        fontname=FONT, fontsize=14, bgcolor="white", pad=0.2, compound=True,
    ))
    d.add("node" + _attrs(
        shape="box", style="rounded,filled", fillcolor="white", color=INK, fontcolor=INK,
        fontname=FONT, fontsize=13, margin="0.15,0.08", penwidth=1.2,
    ))
    d.add("edge" + _attrs(fontname=FONT, fontsize=11.5, color=GREY, fontcolor=INK, arrowsize=0.8, penwidth=1.2))


def _box_look(on_path: bool, **plain: str | float) -> dict[str, str | float]:
    """A box's colours and weight: `plain` normally; thick, bold and pale yellow on the path."""
    if on_path:
        return {**plain, "penwidth": 3.5, "color": PATH_COLOUR, "fillcolor": PATH_FILL, "fontname": BOLD_FONT}
    return plain


def _marked(label: str, on_path: bool) -> str:
    return f"({PATH_LABEL})\n{label}" if on_path else label


def _questions(d: _Drawing) -> None:
    for q in d.plan.questions:
        on_path = d.visited(q.id)
        text = f"{q.number}. End: {q.question}" if q.is_terminal else f"{q.number}. {q.question}"
        terminal = {"peripheries": 2, "fillcolor": PALE} if q.is_terminal else {}
        d.add(_node_name(q.id) + _attrs(
            label=_marked(wrap(text, QUESTION_WIDTH), on_path), id=d.id("node", q.id),
            class_=_classes("isg-question", q.is_terminal and "isg-terminal", on_path and PATH_CLASS),
            **_box_look(on_path, **terminal),
        ))


def _urgent(d: _Drawing) -> None:
    """The urgent button, once, beside question 1, with one arrow to where it leads."""
    urgent, name = d.flowchart.urgent, dot_string("urgent")
    pressed = bool(d.walked and d.walked.urgent)
    label = wrap(f"{urgent.label} (a button on every question)", QUESTION_WIDTH)
    d.add(name + _attrs(
        label=_marked(label, pressed), id=d.id("urgent"), class_=_classes("isg-urgent", pressed and PATH_CLASS),
        color=URGENT_COLOUR, penwidth=3.5 if pressed else 2.5, fontname=BOLD_FONT,
        fillcolor=PATH_FILL if pressed else "white",
    ))
    d.lines.append(f"  {{ rank=same; {name}; {_node_name(START)}; }}")
    # One arrow per place the button can lead (which one depends on what is already known).
    targets = list(dict.fromkeys(route.next for route in urgent.routes))
    for index, target in enumerate(targets):
        on_path = (URGENT_NODE, URGENT_ANSWER, target) in d.moves
        words = ["From any question"]
        d.add(f"{name} -> {_node_name(target)}" + _attrs(
            label=_edge_label(words, "", on_path), id=d.id("edge", "urgent" if index == 0 else f"urgent-{target}"),
            class_=_classes("isg-answer", "isg-urgent-edge", on_path and PATH_CLASS),
            style="dashed", **(_edge_look(on_path) or {"color": URGENT_COLOUR, "penwidth": 2}),
        ))


def _not_sure_note(d: _Drawing) -> str:
    """'I'm not sure' as one note with one arrow to the advice question; returns the note's
    DOT name, or "" when no question offers it."""
    if not any(q.offers_not_sure for q in d.plan.questions) or ADVICE not in d.flowchart.nodes:
        return ""
    name = dot_string("not_sure")
    on_path = any(answer == NOT_SURE and target == ADVICE for _, answer, target in d.moves)
    without = [q for q in d.plan.questions if not q.offers_not_sure and not q.is_terminal and q.id != ADVICE]
    label = NOT_SURE_NOTE + "\n" + wrap(_not_sure_scope(without), QUESTION_WIDTH)
    d.add(name + _attrs(
        label=_marked(label, on_path), shape="note", id=d.id("not-sure"),
        class_=_classes("isg-note", on_path and PATH_CLASS), **_box_look(on_path, fillcolor=PALE),
    ))
    d.add(f"{name} -> {_node_name(ADVICE)}" + _attrs(
        label=_edge_label(["I'm not sure"], "", on_path), id=d.id("edge", "not-sure"),
        class_=_classes("isg-answer", "isg-not-sure", on_path and PATH_CLASS), **_edge_look(on_path),
    ))
    return name


@dataclass
class _Edge:
    """One arrow: the answers of one question that lead to one target under one condition."""

    source: str
    target: str
    condition: str
    id: str
    answers: list[tuple[str, str]] = field(default_factory=list)  # (answer id, label line)


def _answers(d: _Drawing, note: str) -> None:
    """One arrow per (question, target, condition), labelled with each of its answers.

    `@return` (back from advice) points at the "I'm not sure" note, which stands for every
    question that offers it.
    """
    for q in d.plan.questions:
        edges: dict[tuple[str, str], _Edge] = {}
        for a in q.answers:
            if a.implicit:
                continue
            for destination in a.destinations:
                key = (destination.target, destination.condition)
                if key not in edges:
                    target = (note or _node_name(q.id)) if destination.target == RETURN else _node_name(destination.target)
                    edge_id = d.id("edge", q.id, a.id, destination.target.replace("@", ""))
                    edges[key] = _Edge(_node_name(q.id), target, destination.condition, edge_id)
                edges[key].answers.append((a.id, a.label + (f" ({a.offered})" if a.offered else "")))
        for (target_id, _), edge in edges.items():
            _answer_edge(d, q.id, target_id, edge)


def _answer_edge(d: _Drawing, node_id: str, target_id: str, edge: _Edge) -> None:
    chosen = {a for a, _ in edge.answers if (node_id, a, target_id) in d.moves}
    several = len(edge.answers) > 1
    lines = [_answer_line(line, several, a in chosen) for a, line in edge.answers]
    returns = target_id == RETURN
    d.add(f"{edge.source} -> {edge.target}" + _attrs(
        label=_edge_label(lines, RETURN_TEXT if returns else edge.condition, bool(chosen)), id=edge.id,
        class_=_classes("isg-answer", returns and "isg-return", chosen and PATH_CLASS),
        style="dashed" if returns else "", **_edge_look(bool(chosen)),
    ))


def _outcomes(d: _Drawing) -> None:
    """The outcomes in a cluster under the terminal, in rows, in the order they are checked."""
    if not d.plan.outcomes:
        return
    d.lines.append(f"  subgraph {dot_string('cluster_outcomes')} {{")
    d.add("graph" + _attrs(
        label=wrap("Outcomes: checked in this order, and the first that fits is the decision's outcome", 60),
        id=d.id("outcomes"), class_="isg-outcomes", style="rounded", color=GREY, fontname=BOLD_FONT,
        fontsize=14, margin=12,
    ), indent=4)
    names = []
    for o in d.plan.outcomes:
        reached = bool(d.walked and d.walked.outcome == o.outcome.id)
        label = wrap(f"{o.number}. {o.outcome.title}", OUTCOME_WIDTH) + "\n" + wrap(f"({o.rule})", OUTCOME_WIDTH)
        name = dot_string(f"o:{o.outcome.id}")
        names.append(name)
        d.add(name + _attrs(
            label=_marked(label, reached), id=d.id("outcome", o.outcome.id),
            class_=_classes("isg-outcome", reached and PATH_CLASS), fontsize=13,
            **_box_look(reached, fillcolor=PALE, penwidth=1),
        ), indent=4)
    rows = [names[i:i + OUTCOMES_PER_ROW] for i in range(0, len(names), OUTCOMES_PER_ROW)]
    for row in rows:
        d.lines.append(f"    {{ rank=same; {'; '.join(row)}; }}")
        for left, right in zip(row, row[1:], strict=False):
            d.add(f"{left} -> {right}" + _attrs(style="invis"), indent=4)
    for upper, lower in zip(rows, rows[1:], strict=False):
        d.add(f"{upper[0]} -> {lower[0]}" + _attrs(style="invis"), indent=4)
    d.lines.append("  }")
    on_path = bool(d.walked and d.walked.outcome)
    middle = rows[0][len(rows[0]) // 2]
    d.add(f"{_node_name(d.flowchart.terminal.id)} -> {middle}" + _attrs(
        label=_edge_label(["The outcome"], "", on_path), lhead="cluster_outcomes", id=d.id("edge", "outcomes"),
        class_=_classes("isg-answer", "isg-to-outcomes", on_path and PATH_CLASS), **_edge_look(on_path),
    ))


def _classes(*names: str | bool | None) -> str:
    return " ".join(n for n in names if isinstance(n, str) and n)


def _edge_look(on_path: bool) -> dict[str, str | float]:
    if on_path:
        return {"color": PATH_COLOUR, "penwidth": 4, "fontname": BOLD_FONT}
    return {}


def _answer_line(label: str, several: bool, chosen: bool) -> str:
    """One answer's lines in an arrow's label: bulleted when the arrow carries several."""
    text = wrap(label, ANSWER_WIDTH)
    if several:
        text = "• " + text.replace("\n", "\n  ")
    if chosen and several:
        text = f"{PATH_LABEL}: " + text
    return text


def _edge_label(lines: list[str], condition: str, on_path: bool) -> str:
    text = "\n".join(lines)
    if condition:
        text += "\n" + wrap(f"({condition})", ANSWER_WIDTH)
    if on_path and f"{PATH_LABEL}:" not in text:
        text = f"({PATH_LABEL})\n{text}"
    return text


def _not_sure_scope(without: Sequence[QuestionOutline]) -> str:
    if not without:
        return "(offered on every question)"
    numbers = _join([str(q.number) for q in without], "and")
    return f"(offered on every question except {numbers})"


# -- title and description for the SVG --------------------------------------------------------


def diagram_title(flowchart: Flowchart) -> str:
    return f"Diagram of the flowchart: {flowchart.title} (version {flowchart.version})"


def diagram_description(flowchart: Flowchart, path: Iterable[object] | None = None) -> str:
    """A short description of the diagram (and of the highlighted path, when there is one)."""
    plan = outline(flowchart)
    text = (
        f"{len(plan.questions)} numbered questions in boxes, joined by arrows labelled with the answers, "
        f"from question 1 to the record at question {plan.numbers[flowchart.terminal.id]}, "
        f"with the {len(plan.outcomes)} outcomes below it. The same content is given as a list."
    )
    if path is not None:
        walked = path_edges(flowchart, path)
        route = ", ".join(str(plan.numbers[n]) for n in walked.visited if n in plan.numbers)
        text += f" Your path is drawn with thick lines and marked '{PATH_LABEL}': questions {route}."
        if walked.outcome:
            outcome = flowchart.outcome(walked.outcome)
            text += f" Outcome: {outcome.title if outcome else walked.outcome}."
    return text


__all__ = [
    "PATH_CLASS", "PATH_LABEL", "PHRASES", "AnswerOutline", "Destination", "Outline", "OutcomeOutline",
    "PathEdges", "QuestionOutline", "describe_condition", "describe_outcome_rule", "destinations",
    "diagram_description", "diagram_title", "dot_string", "has_phrase", "outline", "path_edges", "phrase", "step_pair",
    "to_dot", "wrap",
]
