"""Pages about the flowchart itself: its glossary, and what changed since the previous version."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from isg.engine import Flowchart, GlossaryTerm
from isg.engine.diff import Change, FlowchartDiff, diff_flowcharts

from .services import current_flowchart, previous_flowchart


@dataclass(frozen=True)
class Letter:
    """One letter of the glossary's A to Z, with the terms that start with it."""

    letter: str
    anchor: str
    terms: tuple[GlossaryTerm, ...]


def _first_letter(term: GlossaryTerm) -> str:
    first = term.term.strip()[:1].upper()
    return first if first.isalpha() else "#"


def _by_letter(glossary: Iterable[GlossaryTerm]) -> list[Letter]:
    ordered = sorted(glossary, key=lambda term: term.term.strip().casefold())
    return [
        Letter(letter, f"letter-{letter.lower()}" if letter != "#" else "letter-other", tuple(terms))
        for letter, terms in groupby(ordered, key=_first_letter)
    ]


@require_GET
def glossary(request: HttpRequest) -> HttpResponse:
    """Every term the live flowchart defines, A to Z; each entry's `id` is the term's id, so
    `glossary_links` can point at it."""
    flowchart = current_flowchart()
    return render(request, "flowchart/glossary.html", {
        "flowchart": flowchart, "letters": _by_letter(flowchart.glossary),
    })


@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """What changed between the newest archived flowchart and the live one, generated from both files.

    Context: `live`, `previous` (None when nothing older is archived) and `sections`, a list of
    `Section`s in a fixed order, each listing the diff's plain-English summaries.
    """
    live, previous = current_flowchart(), previous_flowchart()
    return render(request, "flowchart/changes.html", {
        "live": live, "previous": previous,
        "sections": _sections(diff_flowcharts(previous, live), live) if previous else [],
    })


@dataclass(frozen=True)
class Entry:
    """One change as the page shows it: its summary, and the wording when the summary leaves it out."""

    summary: str
    old: str = ""
    new: str = ""
    glossary_id: str = ""
    glossary_term: str = ""


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    entries: tuple[Entry, ...]
    none: str


# Changes whose summary only says that a text changed: the page shows the two wordings as well.
_WORDING_ASPECTS = frozenset({"hint", "summary", "reminder"})


def _entry(change: Change, live: Flowchart) -> Entry:
    term = live.glossary_term(change.id) if change.kind == "glossary" else None
    if term is not None:
        return Entry(change.summary, glossary_id=term.id, glossary_term=term.term)
    if change.aspect in _WORDING_ASPECTS:
        return Entry(change.summary, change.old, change.new)
    return Entry(change.summary)


def _sections(diff: FlowchartDiff, live: Flowchart) -> list[Section]:
    """The diff in the page's sections. A question's fields appear with the questions, since they
    are asked on the question's page; a changed question is listed by what changed in it."""
    questions: list[Change] = []
    answers: list[Change] = []
    for node in diff.nodes:
        if node.action != "changed":
            questions.append(Change(kind="node", action=node.action, id=node.id, summary=node.summary))
        questions.extend(c for c in node.changes if c.kind != "answer")
        answers.extend(c for c in node.changes if c.kind == "answer")
    groups = [
        ("Questions", "questions", questions, "No questions were added, removed or changed."),
        ("Answers", "answers", answers, "No answers were added, removed or changed."),
        ("Outcome rules", "outcome-rules", diff.outcomes, "No outcome rules were added, removed or changed."),
        ("Variables", "variables", diff.variables, "No variables or values were added or removed."),
        ("Glossary", "glossary", diff.glossary, "No glossary terms were added, removed or changed."),
        ("Other changes", "other-changes", diff.general, "Nothing else changed."),
    ]
    return [Section(title, anchor, tuple(_entry(c, live) for c in found), none) for title, anchor, found, none in groups]
