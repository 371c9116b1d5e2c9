"""Which case studies match the library's filters: plain functions over the loaded library."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from isg.engine import Flowchart, Node

from .content import CaseStudy, Vocabulary

# Punctuation at the ends of a search word is dropped, so "car," still finds "car".
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class LibraryFilter:
    """What the reader asked for. Empty parts match everything; parts combine with AND.

    Several subjects or outcomes match a case that has any one of them.
    """

    subjects: frozenset[str] = frozenset()
    outcomes: frozenset[str] = frozenset()
    theme: str = ""
    agency: str = ""
    words: tuple[str, ...] = ()
    node: Node | None = None

    @property
    def is_active(self) -> bool:
        return bool(self.subjects or self.outcomes or self.theme or self.agency or self.words or self.node)


def search_words(text: str) -> tuple[str, ...]:
    """The words of a search, case-folded and without surrounding punctuation."""
    words = (_EDGE_PUNCTUATION.sub("", word).casefold() for word in text.split())
    return tuple(word for word in words if word)


def case_outcomes(case: CaseStudy) -> set[str]:
    """The outcomes a case illustrates: the one the document states and those its walks reach.

    A case such as cs20 states one outcome overall but has a walk (the first visit) that ends in
    another, and a reader filtering on either should find it.
    """
    # Alternative walks explore facts the document does not describe, so they never count here.
    outcomes = {walk.expected_outcome for walk in case.walks if not walk.alternative}
    if case.stated_outcome:
        outcomes.add(case.stated_outcome)
    return outcomes


def illustrates(case: CaseStudy, node: Node) -> bool:
    """True when the case names the question, or the question names the case as a worked example."""
    return node.id in case.nodes_illustrated or case.id in node.case_studies


def matches(case: CaseStudy, wanted: LibraryFilter) -> bool:
    if wanted.subjects and not wanted.subjects.intersection(case.subjects):
        return False
    if wanted.outcomes and not wanted.outcomes.intersection(case_outcomes(case)):
        return False
    if wanted.theme and wanted.theme not in case.themes:
        return False
    if wanted.agency and wanted.agency not in case.agencies:
        return False
    if wanted.node and not illustrates(case, wanted.node):
        return False
    if wanted.words:
        haystack = f"{case.title}\n{case.summary}\n{case.text}".casefold()
        return all(word in haystack for word in wanted.words)
    return True


def filter_cases(cases: Iterable[CaseStudy], wanted: LibraryFilter) -> list[CaseStudy]:
    """The matching cases, in library order (case studies first, then good-practice examples)."""
    return [case for case in cases if matches(case, wanted)]


def outcome_choices(cases: Iterable[CaseStudy], flowchart: Flowchart) -> list[tuple[str, str]]:
    """(id, title) of each flowchart outcome some case illustrates, in the flowchart's order."""
    used = set().union(*(case_outcomes(case) for case in cases))
    return [(outcome.id, outcome.title) for outcome in flowchart.outcomes if outcome.id in used]


@dataclass(frozen=True)
class Card:
    """A case as the library lists it: labels for its subjects and its stated outcome."""

    case: CaseStudy
    subjects: tuple[str, ...]
    outcome: str  # the stated outcome's title; "" for gp4, which states none


def cards(cases: Iterable[CaseStudy], vocabulary: Vocabulary, flowchart: Flowchart) -> list[Card]:
    titles = {outcome.id: outcome.title for outcome in flowchart.outcomes}
    return [
        Card(case, tuple(vocabulary.subjects.get(s, s) for s in case.subjects), titles.get(case.stated_outcome, ""))
        for case in cases
    ]
