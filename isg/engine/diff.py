"""What changed between two versions of the flowchart, in plain English.

`diff_flowcharts(old, new)` compares two loaded flowcharts and lists what a practitioner would
notice: questions, answers, fields, outcome rules and variables added, removed or changed. Each
change carries a one-line `summary`. Pure: no files, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import Answer, AnyOf, Condition, Field, Flowchart, GlossaryTerm, Node, Outcome, Route, Text

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Change:
    """One change. `kind`: node, answer, field, outcome, variable, glossary or general.

    `aspect` says what changed (label, route, set, unless, only_when, question, hint, condition,
    order, ...; empty for additions and removals). `old` and `new` hold the two texts when a
    wording changed, for pages that show both.
    """

    kind: str
    action: str
    id: str
    summary: str
    node: str = ""
    aspect: str = ""
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class NodeDiff:
    """A question that was added, removed or changed, with its own changes in order."""

    id: str
    action: str
    question: str
    summary: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class FlowchartDiff:
    old_version: str
    new_version: str
    nodes: tuple[NodeDiff, ...] = ()  # in the new file's node order; removed nodes last
    outcomes: tuple[Change, ...] = ()
    variables: tuple[Change, ...] = ()
    glossary: tuple[Change, ...] = ()
    general: tuple[Change, ...] = ()  # reminder and after-sharing texts

    @property
    def changes(self) -> tuple[Change, ...]:
        """Every change, flattened: nodes (each node's own entry first), outcomes, variables, the rest."""
        result: list[Change] = []
        for node in self.nodes:
            result.append(Change(kind="node", action=node.action, id=node.id, summary=node.summary, node=node.id))
            result.extend(node.changes)
        return (*result, *self.outcomes, *self.variables, *self.glossary, *self.general)

    @property
    def is_empty(self) -> bool:
        return not (self.nodes or self.outcomes or self.variables or self.glossary or self.general)

    def summaries(self) -> list[str]:
        return [change.summary for change in self.changes]


def diff_flowcharts(old: Flowchart, new: Flowchart) -> FlowchartDiff:
    return FlowchartDiff(
        old_version=old.version,
        new_version=new.version,
        nodes=tuple(_node_diffs(old, new)),
        outcomes=tuple(_outcome_changes(old, new)),
        variables=tuple(_variable_changes(old, new)),
        glossary=tuple(_glossary_changes(old.glossary, new.glossary)),
        general=tuple(_general_changes(old, new)),
    )


# -- wording helpers ----------------------------------------------------------------------------


def short(text: str, limit: int = 40) -> str:
    """A question cut to a few words for a one-line summary: “Would asking for consent…”."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 15].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def quoted(text: str) -> str:
    return f"“{text}”"


def value_text(value: Any) -> str:
    if isinstance(value, tuple):
        return " or ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_text(condition: Condition) -> str:
    if isinstance(condition, AnyOf):
        return " or ".join(f"({condition_text(clause)})" for clause in condition.clauses)
    return " and ".join(f"{name} = {value_text(value)}" for name, value in condition.items())


def rule_text(outcome: Outcome) -> str:
    parts = [condition_text(outcome.when)] if outcome.when else []
    if outcome.when_any:
        alternatives = [condition_text(c) for c in outcome.when_any]
        parts.append(alternatives[0] if len(alternatives) == 1 else "(" + ") or (".join(alternatives) + ")")
    return " and ".join(parts) or "always"


def sets_text(sets: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {value_text(value)}" for name, value in sets.items()) or "nothing"


def route_text(answer: Answer) -> str:
    if len(answer.routes) == 1:
        return answer.routes[0].next
    cases = [f"{r.next} when {condition_text(r.when)}" for r in answer.routes[:-1]]
    return ", ".join(cases) + f", otherwise {answer.routes[-1].next}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plain(condition: Any) -> Any:
    if isinstance(condition, AnyOf):
        return tuple(dict(clause) for clause in condition.clauses)
    return dict(condition)


def _condition_key(condition: Any) -> Any:
    if isinstance(condition, AnyOf):
        return tuple(tuple(clause.items()) for clause in condition.clauses)
    return tuple(condition.items())


def _texts_key(texts: Iterable[Text]) -> tuple[Any, ...]:
    return tuple((_condition_key(t.when), t.text) for t in texts)


def _routes_key(routes: Iterable[Route]) -> tuple[Any, ...]:
    return tuple((_condition_key(r.when), r.next, tuple(r.set.items())) for r in routes)


def _variants_key(default: str, variants: tuple[Text, ...]) -> tuple[Any, ...]:
    return _texts_key(variants) if variants else ((), default)


# -- nodes, answers, fields -----------------------------------------------------------------------


def _node_diffs(old: Flowchart, new: Flowchart) -> list[NodeDiff]:
    diffs: list[NodeDiff] = []
    for node in new.nodes.values():
        before = old.nodes.get(node.id)
        where = quoted(short(node.question))
        if before is None:
            diffs.append(NodeDiff(node.id, ADDED, node.question, f"Question `{node.id}` added: {quoted(node.question)}"))
            continue
        changes = [*_node_text_changes(before, node, where), *_answer_changes(before, node, where),
                   *_field_changes(before, node, where)]
        if changes:
            summary = f"Question `{node.id}` ({where}) changed: " + "; ".join(
                dict.fromkeys(_aspect_word(c) for c in changes)
            )
            diffs.append(NodeDiff(node.id, CHANGED, node.question, summary, tuple(changes)))
    for node in old.nodes.values():
        if node.id not in new.nodes:
            diffs.append(NodeDiff(node.id, REMOVED, node.question, f"Question `{node.id}` removed: {quoted(node.question)}"))
    return diffs


def _aspect_word(change: Change) -> str:
    return change.aspect if change.kind == "node" else f"{change.kind}s"


def _node_text_changes(before: Node, node: Node, where: str) -> list[Change]:
    changes = []

    def add(aspect: str, summary: str, old: str = "", new: str = "") -> None:
        changes.append(Change("node", CHANGED, node.id, summary, node=node.id, aspect=aspect, old=old, new=new))

    if _variants_key(before.question, before.question_variants) != _variants_key(node.question, node.question_variants):
        variants = " (now varies with the answers given)" if node.question_variants else ""
        add("question", f"Question `{node.id}` reworded{variants}: {quoted(node.question)} (was {quoted(before.question)})",
            before.question, node.question)
    if _variants_key(before.hint, before.hint_variants) != _variants_key(node.hint, node.hint_variants):
        variants = " (now varies with the answers given)" if node.hint_variants else ""
        add("hint", f"Hint of {where} changed{variants}", before.hint, node.hint)
    if before.sources != node.sources:
        gained = [s.title for s in node.sources if s not in before.sources]
        lost = [s.title for s in before.sources if s not in node.sources]
        detail = "; ".join(filter(None, [
            f"added {', '.join(gained)}" if gained else "", f"removed {', '.join(lost)}" if lost else "",
        ])) or "reordered"
        add("sources", f"Sources of {where} changed: {detail}")
    if before.case_studies != node.case_studies:
        gained = [c for c in node.case_studies if c not in before.case_studies]
        lost = [c for c in before.case_studies if c not in node.case_studies]
        detail = "; ".join(filter(None, [
            f"added {', '.join(gained)}" if gained else "", f"removed {', '.join(lost)}" if lost else "",
        ])) or "reordered"
        add("case studies", f"Case studies of {where} changed: {detail}")
    return changes


def _answer_changes(before: Node, node: Node, where: str) -> list[Change]:
    changes = []
    for answer in node.answers:
        old = before.answer(answer.id)

        def add(aspect: str, summary: str, old_text: str = "", new_text: str = "", answer_id: str = answer.id) -> None:
            action = CHANGED if aspect else ADDED
            changes.append(Change("answer", action, answer_id, summary, node=node.id, aspect=aspect, old=old_text, new=new_text))

        if old is None:
            add("", f"Answer `{answer.id}` added to {where}: {quoted(answer.label)}", new_text=answer.label)
            continue
        name = f"Answer `{answer.id}` of {where}"
        if old.label != answer.label:
            add("label", f"{name} relabelled {quoted(answer.label)} (was {quoted(old.label)})", old.label, answer.label)
        if old.hint != answer.hint:
            add("hint", f"{name}: hint changed", old.hint, answer.hint)
        if _routes_key(old.routes) != _routes_key(answer.routes):
            add("route", f"{name} now leads to {route_text(answer)} (was {route_text(old)})")
        if _plain(old.set) != _plain(answer.set):
            add("set", f"{name} now sets {sets_text(answer.set)} (was {sets_text(old.set)})")
        if _plain(old.unless) != _plain(answer.unless):
            now = f"not offered when {condition_text(answer.unless)}" if answer.unless else "offered whatever the state"
            was = f"not offered when {condition_text(old.unless)}" if old.unless else "always offered"
            add("unless", f"{name} is now {now} (was {was})")
        if _plain(old.only_when) != _plain(answer.only_when):
            now = f"offered only when {condition_text(answer.only_when)}" if answer.only_when else "offered whatever the state"
            was = f"offered only when {condition_text(old.only_when)}" if old.only_when else "always offered"
            add("only_when", f"{name} is now {now} (was {was})")
        if old.requires_rationale != answer.requires_rationale:
            add("rationale", f"{name} now {'needs' if answer.requires_rationale else 'does not need'} a written reason")
    new_ids = {a.id for a in node.answers}
    for old in before.answers:
        if old.id not in new_ids:
            changes.append(Change("answer", REMOVED, old.id, f"Answer `{old.id}` removed from {where}: {quoted(old.label)}",
                                  node=node.id, old=old.label))
    return changes


def _field_changes(before: Node, node: Node, where: str) -> list[Change]:
    changes = []
    old_fields = {f.id: f for f in before.fields}
    for field in node.fields:
        old = old_fields.get(field.id)
        if old is None:
            required = _requirement(field)
            changes.append(Change("field", ADDED, field.id,
                                  f"Field `{field.id}` added to {where}: {quoted(field.label)} ({required})",
                                  node=node.id, new=field.label))
            continue
        aspects = _field_aspects(old, field)
        if aspects:
            detail = ", ".join(aspects)
            extra = f"; now {_requirement(field)} (was {_requirement(old)})" if "requirement" in aspects else ""
            changes.append(Change("field", CHANGED, field.id, f"Field `{field.id}` of {where} changed: {detail}{extra}",
                                  node=node.id, aspect=detail, old=old.label, new=field.label))
    new_ids = {f.id for f in node.fields}
    for old in before.fields:
        if old.id not in new_ids:
            changes.append(Change("field", REMOVED, old.id, f"Field `{old.id}` removed from {where}: {quoted(old.label)}",
                                  node=node.id, old=old.label))
    return changes


def _field_aspects(old: Field, new: Field) -> list[str]:
    aspects = []
    if old.label != new.label:
        aspects.append("label")
    if old.hint != new.hint:
        aspects.append("hint")
    if old.type != new.type:
        aspects.append(f"type {new.type} (was {old.type})")
    if old.choices != new.choices:
        aspects.append("choices")
    if old.shown_for != new.shown_for:
        aspects.append("answers it is shown for")
    if (old.required, old.required_for, _plain(old.required_when), _plain(old.required_if)) != (
        new.required, new.required_for, _plain(new.required_when), _plain(new.required_if)
    ):
        aspects.append("requirement")
    return aspects


def _requirement(field: Field) -> str:
    parts = []
    if field.required:
        parts.append("required")
    if field.required_for:
        parts.append(f"required for {', '.join(sorted(field.required_for))}")
    if field.required_when:
        parts.append(f"required when {condition_text(field.required_when)}")
    if field.required_if:
        parts.append(f"required if {condition_text(field.required_if)}")
    return "; ".join(parts) or "optional"


# -- outcomes, variables, the rest ---------------------------------------------------------------


def _outcome_changes(old: Flowchart, new: Flowchart) -> list[Change]:
    changes: list[Change] = []
    old_rules = {o.id: o for o in old.outcomes}
    common_old = [o.id for o in old.outcomes if new.outcome(o.id)]
    common_new = [o.id for o in new.outcomes if o.id in old_rules]
    for position, outcome in enumerate(new.outcomes, 1):
        before = old_rules.get(outcome.id)
        name = f"Outcome rule `{outcome.id}`"

        def add(aspect: str, summary: str, old_text: str = "", new_text: str = "", outcome_id: str = outcome.id) -> None:
            changes.append(Change("outcome", CHANGED, outcome_id, summary, aspect=aspect, old=old_text, new=new_text))

        if before is None:
            changes.append(Change("outcome", ADDED, outcome.id,
                                  f"{name} added ({ordinal(position)}): {quoted(outcome.title)} when {rule_text(outcome)}",
                                  new=outcome.title))
            continue
        if rule_text(before) != rule_text(outcome):
            add("condition", f"{name} now applies when {rule_text(outcome)} (was {rule_text(before)})",
                rule_text(before), rule_text(outcome))
        if common_old.index(outcome.id) != common_new.index(outcome.id):
            add("order", f"{name} is now checked {ordinal(position)} (was {ordinal(old.outcomes.index(before) + 1)})")
        if _variants_key(before.title, before.title_variants) != _variants_key(outcome.title, outcome.title_variants):
            add("title", f"Title of outcome `{outcome.id}` changed: {quoted(outcome.title)} (was {quoted(before.title)})",
                before.title, outcome.title)
        if _variants_key(before.summary, before.summary_variants) != _variants_key(outcome.summary, outcome.summary_variants):
            add("summary", f"Summary of outcome `{outcome.id}` changed", before.summary, outcome.summary)
        for key, label in (("what_to_do", "What to do"), ("lawful_basis", "Lawful basis"),
                           ("record_must_contain", "What the record must contain")):
            old_items, new_items = getattr(before, f"{key}_items"), getattr(outcome, f"{key}_items")
            if _texts_key(old_items) != _texts_key(new_items):
                add(key, f"{label} of outcome `{outcome.id}` changed ({len(new_items)} lines, was {len(old_items)})")
        if (before.requires_approval, before.approval) != (outcome.requires_approval, outcome.approval):
            now = ("needs retrospective approval" if outcome.is_retrospective else "needs approval") if outcome.requires_approval \
                else "needs no approval"
            add("approval", f"Outcome `{outcome.id}` now {now}")
        if before.shares != outcome.shares:
            add("shares", f"Outcome `{outcome.id}` is {'now' if outcome.shares else 'no longer'} a share outcome")
    for before in old.outcomes:
        if new.outcome(before.id) is None:
            changes.append(Change("outcome", REMOVED, before.id, f"Outcome rule `{before.id}` removed: {quoted(before.title)}",
                                  old=before.title))
    return changes


def _variable_changes(old: Flowchart, new: Flowchart) -> list[Change]:
    changes = []
    for name, values in new.variables.items():
        kind = "true or false" if values is None else ", ".join(values)
        if name not in old.variables:
            changes.append(Change("variable", ADDED, name, f"Variable `{name}` added ({kind})"))
            continue
        before = old.variables[name]
        if before == values:
            continue
        if before is None or values is None:
            was = "true or false" if before is None else ", ".join(before)
            changes.append(Change("variable", CHANGED, name, f"Variable `{name}` now takes {kind} (was {was})", aspect="values"))
            continue
        gained = [v for v in values if v not in before]
        lost = [v for v in before if v not in values]
        for value in gained:
            changes.append(Change("variable", CHANGED, name, f"Variable `{name}` gains the value {value}", aspect="value added"))
        for value in lost:
            changes.append(Change("variable", CHANGED, name, f"Variable `{name}` loses the value {value}", aspect="value removed"))
    for name in old.variables:
        if name not in new.variables:
            changes.append(Change("variable", REMOVED, name, f"Variable `{name}` removed"))
    return changes


def _glossary_changes(old: tuple[GlossaryTerm, ...], new: tuple[GlossaryTerm, ...]) -> list[Change]:
    changes = []
    before = {t.id: t for t in old}
    for term in new:
        was = before.get(term.id)
        if was is None:
            changes.append(Change("glossary", ADDED, term.id, f"Glossary term {quoted(term.term)} added", new=term.definition))
        elif (was.term, was.definition, was.aliases, was.sources) != (term.term, term.definition, term.aliases, term.sources):
            changes.append(Change("glossary", CHANGED, term.id, f"Glossary term {quoted(term.term)} changed",
                                  old=was.definition, new=term.definition))
    ids = {t.id for t in new}
    for term in old:
        if term.id not in ids:
            changes.append(Change("glossary", REMOVED, term.id, f"Glossary term {quoted(term.term)} removed", old=term.definition))
    return changes


def _general_changes(old: Flowchart, new: Flowchart) -> list[Change]:
    changes = []
    if old.reminder != new.reminder:
        action = ADDED if not old.reminder else REMOVED if not new.reminder else CHANGED
        changes.append(Change("general", action, "reminder", f"Safeguarding reminder on every outcome {action}",
                              aspect="reminder", old=old.reminder, new=new.reminder))
    if _texts_key(old.after_sharing) != _texts_key(new.after_sharing):
        action = ADDED if not old.after_sharing else REMOVED if not new.after_sharing else CHANGED
        changes.append(Change("general", action, "after_sharing", f"What to do after sharing {action} on share outcomes",
                              aspect="after_sharing"))
    if old.urgent != new.urgent:
        changes.append(Change("general", CHANGED, "urgent", "The urgent button changed", aspect="urgent"))
    return changes
