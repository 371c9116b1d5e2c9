"""The register as CSV: one row per decision, every state variable its own column, safe to open.

Streamed in constant memory: rows are read with `.iterator(chunk_size=...)` (a server-side cursor
on PostgreSQL) as plain values, never model instances with their paths, and written a batch of
lines at a time. The same generator feeds the in-request download and the worker's file.

Spreadsheet safety (OWASP "CSV Injection"): every cell is quoted, and a cell starting with
= + - @ tab or carriage return gets a leading `'`, so a case reference like `=HYPERLINK(...)` is
shown as text instead of being run as a formula. The file starts with a UTF-8 byte-order mark,
which Excel needs to read UTF-8 (names with accents) correctly.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from isg.decisions.models import Decision
from isg.engine import Flowchart
from isg.flowchart.services import current_flowchart, flowchart_for

BOM = "\ufeff"
CHUNK_SIZE = 2000  # rows per database round trip
LINES_PER_WRITE = 200  # rows per chunk handed to the server
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATE_PREFIX = "state."
OTHER_STATE = "state_other"

# (column, what it holds): the record's own facts, before the state variables.
FIXED_COLUMNS = (
    "public_id", "case_reference", "agency", "practitioner", "status", "outcome", "outcome_title",
    "requires_approval", "emergency", "overdue", "submitted_at", "flowchart_version", "flowchart_sha256",
    "approval_decided_by", "approval_decided_at",
)
VALUES = (
    "public_id", "case_reference", "agency__name", "owner__username", "status", "outcome", "requires_approval",
    "is_emergency", "submitted_at", "flowchart_version", "flowchart_id", "state", "approval__due_at",
    "approval__decided_at", "approval__decided_by__username",
)


def safe_cell(value: object) -> str:
    """The text a cell shows: booleans as true/false, nothing as empty, formulas neutralised."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """The file-like object csv.writer writes one line into, handed back as a string."""

    def write(self, text: str) -> str:
        return text


def state_variables(decisions: QuerySet[Decision]) -> list[str]:
    """Every variable of the live flowchart, then any other that a flowchart behind these rows has.

    The header must be written before the first row, so it is worked out up front from the few
    flowchart versions the rows were made under (a cheap DISTINCT), not from the rows themselves.
    """
    names = list(current_flowchart().variables)
    for sha in decisions.order_by().values_list("flowchart_id", flat=True).distinct():
        for name in _flowchart(sha, {}).variables if sha else ():
            if name not in names:
                names.append(name)
    return names


def header(variables: list[str]) -> list[str]:
    return [*FIXED_COLUMNS, *(STATE_PREFIX + name for name in variables), OTHER_STATE]


def _flowchart(sha: str, cache: dict[str, Flowchart | None]) -> Flowchart | None:
    if sha not in cache:
        try:
            cache[sha] = flowchart_for(sha)
        except Exception:  # an unknown version still exports, with the outcome id and no title
            cache[sha] = None
    return cache[sha]


def row(values: dict, variables: list[str], flowcharts: dict, titles: dict, now) -> list[str]:
    state = values["state"] or {}
    flowchart = _flowchart(values["flowchart_id"], flowcharts)
    title_key = (values["flowchart_id"], values["outcome"], json.dumps(state, sort_keys=True))
    if title_key not in titles:
        outcome = flowchart.outcome(values["outcome"]) if flowchart and values["outcome"] else None
        titles[title_key] = outcome.text_for(state, flowchart).title if outcome else ""
        if len(titles) > 10_000:  # bounded: a cache, never a copy of the table
            titles.clear()
    due = values["approval__due_at"]
    overdue = bool(due and due < now and values["status"] == Decision.Status.AWAITING_APPROVAL)
    other = {k: v for k, v in state.items() if k not in variables}
    cells = [
        values["public_id"], values["case_reference"], values["agency__name"], values["owner__username"],
        values["status"], values["outcome"], titles[title_key], values["requires_approval"],
        values["is_emergency"], overdue, values["submitted_at"], values["flowchart_version"],
        values["flowchart_id"], values["approval__decided_by__username"], values["approval__decided_at"],
        *(state.get(name) for name in variables),
        json.dumps(other, sort_keys=True, ensure_ascii=False) if other else "",
    ]
    return [safe_cell(cell) for cell in cells]


def csv_lines(decisions: QuerySet[Decision], progress=None) -> Iterator[str]:
    """The whole file as text chunks: BOM and header first, then the rows in the queryset's order.

    `progress(rows_written)` is called after each chunk (the worker updates its job with it).
    """
    variables = state_variables(decisions)
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield BOM + writer.writerow(header(variables))
    flowcharts: dict = {}
    titles: dict = {}
    now = timezone.now()
    batch: list[str] = []
    written = 0
    for values in decisions.values(*VALUES).iterator(chunk_size=CHUNK_SIZE):
        batch.append(writer.writerow(row(values, variables, flowcharts, titles, now)))
        if len(batch) >= LINES_PER_WRITE:
            written += len(batch)
            yield "".join(batch)
            batch = []
            if progress:
                progress(written)
    if batch:
        written += len(batch)
        yield "".join(batch)
    if progress:
        progress(written)


def encoded(lines: Iterable[str]) -> Iterator[bytes]:
    for text in lines:
        yield text.encode("utf-8")
