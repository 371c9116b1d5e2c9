"""The register as CSV: one row per decision, every state variable its own column, safe to open.

Readable as well as joinable: every code column has a plain-English column beside it (the status's
name, the outcome's title, and for each state variable the words of the answer that set it, in the
flowchart version that decision was made under), people are their names (with their ids beside,
for joins), and times are UK local time in ISO 8601 with their offset (2026-07-01T10:15:00+01:00).

Streamed in constant memory: rows are read with `.iterator(chunk_size=...)` (a server-side cursor
on PostgreSQL) as plain values, never model instances with their paths, and written a batch of
lines at a time. The few things looked up per row (flowcharts, labels, names) are cached, bounded
by how many versions and people there are, never by rows. The same generator feeds the in-request
download and the worker's file.

Spreadsheet safety (OWASP "CSV Injection"): every cell is quoted, and a cell starting with
= + - @ tab or carriage return gets a leading `'`, so a case reference like `=HYPERLINK(...)` is
shown as text instead of being run as a formula. The file starts with a UTF-8 byte-order mark,
which Excel needs to read UTF-8 (names with accents) correctly.
"""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from isg.accounts.models import User
from isg.decisions.models import Decision
from isg.engine import Flowchart
from isg.flowchart.labels import state_label, state_labels  # the register's filter uses the same words
from isg.flowchart.services import current_flowchart, flowchart_for

BOM = "\ufeff"
CHUNK_SIZE = 2000  # rows per database round trip
LINES_PER_WRITE = 200  # rows per chunk handed to the server
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATE_PREFIX = "state."
LABEL_SUFFIX = ".label"
OTHER_STATE = "state_other"
UK_TIME = ZoneInfo("Europe/London")

# The record's own facts, before the state variables: each code with its words beside it.
FIXED_COLUMNS = (
    "public_id", "case_reference", "agency", "practitioner", "practitioner_id", "status", "status_label",
    "outcome", "outcome_title", "requires_approval", "emergency", "overdue", "submitted_at", "flowchart_version",
    "flowchart_sha256", "approval_decided_by", "approval_decided_by_id", "approval_decided_at",
)
VALUES = (
    "public_id", "case_reference", "agency__name", "owner", "status", "outcome", "requires_approval",
    "is_emergency", "submitted_at", "flowchart_version", "flowchart_id", "state", "approval__due_at",
    "approval__decided_at", "approval__decided_by",
)
STATUS_LABELS = dict(Decision.Status.choices)


def safe_cell(value: object) -> str:
    """The text a cell shows: booleans as true/false, nothing as empty, times in UK local time with
    their offset, formulas neutralised."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        text = uk_time(value)
    else:
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def uk_time(moment: datetime.datetime) -> str:
    """'2026-07-01T10:15:00+01:00': UK local time (GMT or BST), to the second, with its offset."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment.astimezone(UK_TIME).isoformat(timespec="seconds")


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
    state = [column for name in variables for column in (STATE_PREFIX + name, STATE_PREFIX + name + LABEL_SUFFIX)]
    return [*FIXED_COLUMNS, *state, OTHER_STATE]


def _flowchart(sha: str, cache: dict[str, Flowchart | None]) -> Flowchart | None:
    if sha not in cache:
        try:
            cache[sha] = flowchart_for(sha)
        except Exception:  # an unknown version still exports, with the outcome id and no title
            cache[sha] = None
    return cache[sha]


class _Lookups:
    """What rows look up, cached for one file: flowcharts, their labels, outcome titles, names."""

    TITLES_MAX = 10_000  # bounded: a cache, never a copy of the table

    def __init__(self) -> None:
        self.flowcharts: dict[str, Flowchart | None] = {}
        self.labels: dict[str, dict] = {}
        self.titles: dict[tuple, str] = {}
        self.names: dict[int, str] = {}

    def flowchart(self, sha: str) -> Flowchart | None:
        return _flowchart(sha, self.flowcharts)

    def state_labels(self, sha: str) -> dict:
        if sha not in self.labels:
            flowchart = self.flowchart(sha)
            self.labels[sha] = state_labels(flowchart) if flowchart else {}
        return self.labels[sha]

    def title(self, sha: str, outcome_id: str, state: dict) -> str:
        key = (sha, outcome_id, json.dumps(state, sort_keys=True))
        if key not in self.titles:
            flowchart = self.flowchart(sha)
            outcome = flowchart.outcome(outcome_id) if flowchart and outcome_id else None
            if len(self.titles) >= self.TITLES_MAX:
                self.titles.clear()
            self.titles[key] = outcome.text_for(state, flowchart).title if outcome else ""
        return self.titles[key]

    def name(self, user_id: int | None) -> str:
        """A person's name as the app shows it (their username if they have no name)."""
        if user_id is None:
            return ""
        if user_id not in self.names:
            user = User.objects.filter(pk=user_id).only("username", "first_name", "last_name").first()
            self.names[user_id] = user.display_name if user else ""
        return self.names[user_id]


def row(values: dict, variables: list[str], lookups: _Lookups, now) -> list[str]:
    state = values["state"] or {}
    sha = values["flowchart_id"]
    labels = lookups.state_labels(sha)
    due = values["approval__due_at"]
    overdue = bool(due and due < now and values["status"] == Decision.Status.AWAITING_APPROVAL)
    other = {k: v for k, v in state.items() if k not in variables}
    cells = [
        values["public_id"], values["case_reference"], values["agency__name"],
        lookups.name(values["owner"]), values["owner"],
        values["status"], STATUS_LABELS.get(values["status"], values["status"]),
        values["outcome"], lookups.title(sha, values["outcome"], state),
        values["requires_approval"], values["is_emergency"], overdue, values["submitted_at"],
        values["flowchart_version"], sha,
        lookups.name(values["approval__decided_by"]), values["approval__decided_by"], values["approval__decided_at"],
        *(cell for name in variables for cell in (state.get(name), state_label(labels, name, state.get(name)))),
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
    lookups = _Lookups()
    now = timezone.now()
    batch: list[str] = []
    written = 0
    for values in decisions.values(*VALUES).iterator(chunk_size=CHUNK_SIZE):
        batch.append(writer.writerow(row(values, variables, lookups, now)))
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
