"""The register's queries: who sees which submitted decisions, filtered, searched and paged by keyset.

Reads only: nothing here changes a record. Visibility is always `decisions_visible_to` (isg/access),
so the register can never list a decision its reader may not open.

Pages are keyset, never OFFSET: a page starts after (or before) the (submitted_at, id) of the row
the reader saw last, so page 40,000 costs what page 1 costs. The cursor carrying that position is
signed, so a hand-edited one is refused with a message rather than read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core import signing
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from isg.access.services import UNSUBMITTED, decisions_visible_to
from isg.decisions.models import Decision

from .filters import RegisterFilter

PAGE_SIZE = 25
COUNT_CAP = 1000  # counting every match of a million rows costs more than the page: "more than 1,000"
CURSOR_SALT = "isg.register.cursor"
AFTER, BEFORE = "a", "b"

# The search document on PostgreSQL: case reference, the summary (first step's field) and every
# rationale on the path. The register migration stores it in the generated column
# `decisions_decision.search_vector` (with a GIN index); change it only with a migration.
SEARCH_DOCUMENT = (
    "to_tsvector('english'::regconfig, "
    "coalesce(\"decisions_decision\".\"case_reference\", '') || ' ' || "
    "coalesce(\"decisions_decision\".\"path\" #>> '{0,fields,summary}', '') || ' ' || "
    "coalesce(jsonb_path_query_array(\"decisions_decision\".\"path\", '$[*].rationale')::text, ''))"
)


class BadCursor(Exception):
    """A page link whose cursor was altered, truncated or made for another purpose."""


@dataclass(frozen=True)
class Cursor:
    direction: str  # AFTER: the page after this row (older); BEFORE: the page before it (newer)
    submitted_at: datetime.datetime
    pk: int


def write_cursor(direction: str, decision: Decision) -> str:
    return signing.dumps([direction, decision.submitted_at.isoformat(), decision.pk], salt=CURSOR_SALT)


def read_cursor(token: str) -> Cursor | None:
    """The position a page link carries; None for the first page. Raises BadCursor if tampered with."""
    if not token:
        return None
    try:
        direction, at, pk = signing.loads(token, salt=CURSOR_SALT)
        cursor = Cursor(direction, datetime.datetime.fromisoformat(at), int(pk))
    except (signing.BadSignature, ValueError, TypeError):
        raise BadCursor(token) from None
    if cursor.direction not in (AFTER, BEFORE) or cursor.submitted_at.tzinfo is None:
        raise BadCursor(token)
    return cursor


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day`, in the service's time zone (UK dates, whatever the server's)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _search(decisions: QuerySet[Decision], text: str) -> QuerySet[Decision]:
    if connection.vendor == "postgresql":
        document = RawSQL('"decisions_decision"."search_vector"', [], output_field=SearchVectorField())
        return decisions.alias(search_document=document).filter(
            search_document=SearchQuery(text, config="english", search_type="websearch"),
        )
    # SQLite (development, tests): every word somewhere in the reference or the stored path.
    path = Cast("path", TextField())
    decisions = decisions.alias(path_text=path)
    for word in text.split():
        decisions = decisions.filter(Q(case_reference__icontains=word) | Q(path_text__icontains=word))
    return decisions


def _flag(decisions: QuerySet[Decision], name: str, value: object) -> QuerySet[Decision]:
    if connection.vendor == "postgresql":
        return decisions.filter(state__contains={name: value})  # `@>`: the GIN index on state answers it
    return decisions.filter(**{f"state__{name}": value})


def register_decisions(user, wanted: RegisterFilter) -> QuerySet[Decision]:
    """The submitted decisions `user` may see that match `wanted`, newest first."""
    decisions = decisions_visible_to(user).exclude(status__in=UNSUBMITTED).filter(submitted_at__isnull=False)
    if wanted.submitted_from:
        decisions = decisions.filter(submitted_at__gte=_day_start(wanted.submitted_from))
    if wanted.submitted_to:
        decisions = decisions.filter(submitted_at__lt=_day_start(wanted.submitted_to + datetime.timedelta(days=1)))
    if wanted.agency:
        decisions = decisions.filter(agency=wanted.agency)
    if wanted.outcome:
        decisions = decisions.filter(outcome=wanted.outcome)
    if wanted.status:
        decisions = decisions.filter(status=wanted.status)
    if wanted.emergency:
        decisions = decisions.filter(is_emergency=True)
    if wanted.overdue:
        decisions = decisions.filter(status=Decision.Status.AWAITING_APPROVAL, approval__due_at__lt=timezone.now())
    if wanted.version:
        decisions = decisions.filter(flowchart_version=wanted.version)
    if wanted.flag:
        decisions = _flag(decisions, *wanted.flag)
    if wanted.search:
        decisions = _search(decisions, wanted.search)
    return decisions.order_by("-submitted_at", "-pk")


@dataclass(frozen=True)
class Page:
    decisions: list[Decision]
    next_cursor: str  # "" on the last page
    previous_cursor: str  # "" on the first page
    is_first: bool


def page_of(decisions: QuerySet[Decision], cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """One page of `decisions` (ordered newest first) starting at `cursor`.

    The position is written as `submitted_at <= t AND (submitted_at < t OR id < pk)`: the first
    half is an index range, so the database starts reading at the cursor instead of skipping to it.
    """
    # The approvals come in a second query for just this page's rows: joined in, the planner may
    # hash the whole approvals table when it expects many matches (a search), a cost that grows with N.
    rows = decisions.select_related("agency").prefetch_related("approval")
    if cursor is None:
        found = list(rows[: size + 1])
        return Page(found[:size], write_cursor(AFTER, found[size - 1]) if len(found) > size else "", "", True)
    at, pk = cursor.submitted_at, cursor.pk
    if cursor.direction == AFTER:
        found = list(rows.filter(Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(pk__lt=pk)))[: size + 1])
        page = found[:size]
        more_after = len(found) > size
        return Page(
            page, write_cursor(AFTER, page[-1]) if more_after else "",
            write_cursor(BEFORE, page[0]) if page else "", False,
        )
    # BEFORE: read upwards from the cursor, oldest first, then turn the page the right way round.
    found = list(rows.filter(Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(pk__gt=pk)))
                 .order_by("submitted_at", "pk")[: size + 1])
    more_before = len(found) > size
    page = list(reversed(found[:size]))
    return Page(
        page, write_cursor(AFTER, page[-1]) if page else "",
        write_cursor(BEFORE, page[0]) if more_before else "", not more_before,
    )


def count_capped(decisions: QuerySet[Decision], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(how many match, whether there are more than `cap`): a bounded count, whatever the table's size."""
    found = decisions.order_by()[: cap + 1].count()  # no order: the database may stop at any `cap` rows
    return min(found, cap), found > cap
