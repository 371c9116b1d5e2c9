"""The register's queries: who sees which submitted decisions, filtered, searched and paged by keyset.

Reads only: nothing here changes a record (each search is written to the audit chain, AT-1). Visibility is always `decisions_visible_to` (isg/access),
so the register can never list a decision its reader may not open.

Pages are keyset, never OFFSET: a page starts after (or before) the (submitted_at, id) of the row
the reader saw last, so page 40,000 costs what page 1 costs. The cursor carrying that position is
signed, so a hand-edited one is refused with a message rather than read.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core import signing
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from isg.access.services import UNSUBMITTED, decisions_visible_to
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.decisions.models import WAITING_STATUSES, Decision
from isg.disclosures.models import Share
from isg.engine import Flowchart
from isg.flowchart.services import archived_flowcharts, current_flowchart
from isg.followups.models import FollowUp
from isg.reviews.models import ReviewFlag

from . import search
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


# A decision to share (or to ask for information) went ahead and is settled: no approval needed,
# approved, or shared and then agreed or disagreed on review.
SHARED_STATUSES = (Decision.Status.RECORDED, Decision.Status.APPROVED, Decision.Status.AGREED,
                   Decision.Status.DISAGREED)


def sharing_outcomes(flowchart: Flowchart) -> list[str]:
    """Every outcome id (live or archived) whose rule says the information is shared (or asked for)."""
    found: dict[str, bool] = {}
    for chart in (flowchart, *archived_flowcharts().values()):
        for outcome in chart.outcomes:
            found.setdefault(outcome.id, outcome.shares)
    return [key for key, shares in found.items() if shares]


def shared_q(flowchart: Flowchart) -> Q:
    """A share that went ahead: a sharing outcome in one of SHARED_STATUSES."""
    return Q(outcome__in=sharing_outcomes(flowchart), status__in=SHARED_STATUSES)


def position_q(position: str, flowchart: Flowchart) -> Q:
    """Where a decision stands now (filters.POSITIONS), the dashboard's groups: each decision not
    withdrawn is in exactly one, so the four add up to the decisions the dashboard counts."""
    if position == "shared":
        return shared_q(flowchart)
    if position == "waiting":
        return Q(status__in=WAITING_STATUSES)
    if position == "not_approved":
        return Q(status=Decision.Status.NOT_APPROVED)
    if position == "other":
        return ~shared_q(flowchart) & ~Q(status__in=[*WAITING_STATUSES, Decision.Status.NOT_APPROVED,
                                                      Decision.Status.WITHDRAWN])
    raise ValueError(position)


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
        # Unqualified: the decisions table may be aliased (U0) when this filter sits in a subquery
        # (the dashboard's "of these decisions"); no table it joins has a column of this name.
        document = RawSQL('"search_vector"', [], output_field=SearchVectorField())
        return decisions.alias(search_document=document).filter(
            search_document=SearchQuery(text, config="english", search_type="websearch"),
        )
    # SQLite (development, tests): every word somewhere in the reference or the stored path.
    path = Cast("path", TextField())
    decisions = decisions.alias(path_text=path)
    for word in text.split():
        decisions = decisions.filter(Q(case_reference__icontains=word) | Q(path_text__icontains=word))
    return decisions


def _flag(name: str, value: object) -> Q:
    if connection.vendor == "postgresql":
        return Q(state__contains={name: value})  # `@>`: the GIN index on state answers it
    return Q(**{f"state__{name}": value})


def _any_of(conditions: list[Q]) -> Q:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


# Up to this many decisions, "overdue follow-ups" reads their ids first (see `_decision_in`).
RELATED_IDS_INLINE = 20_000


def _decision_in(related: QuerySet) -> Q:
    """Decisions with at least one row of `related` (a few thousand at most: overdue follow-ups).

    On PostgreSQL their decision ids are read first and given to the register's query as one
    array value: PostgreSQL hashes a constant array, so the page walks the date index checking each
    row against the hash (about 20,000 index entries for 25 rows at a million decisions: 4 ms),
    and the count finds its first 1,001 by primary key. Given a subquery instead, it fetches every
    matching decision to sort them (20 ms for 6,500 overdue follow-ups).
    Past RELATED_IDS_INLINE ids the array is left to the database (`= ANY(ARRAY(subquery))`).
    """
    if connection.vendor != "postgresql":
        return Q(Exists(related.filter(decision=OuterRef("pk"))))
    ids_sql, params = related.order_by().values("decision_id")[: RELATED_IDS_INLINE + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        # The ids come back as one array literal, which goes back as it came: no row or id is
        # handled one by one here (6,500 of them cost 5 ms that way). Not DISTINCT either: hashing
        # every row costs 3 ms, and a decision twice in the array is harmless.
        cursor.execute(f"SELECT count(*), coalesce(array_agg(decision_id), '{{}}')::text FROM ({ids_sql}) AS ids", params)
        (count, as_literal) = cursor.fetchone()
    if count <= RELATED_IDS_INLINE:
        any_of_them = Func(RawSQL("%s::bigint[]", [as_literal]), function="ANY")
    else:
        any_of_them = Func(ArraySubquery(related.order_by().values("decision_id")), function="ANY")
    return Q(Func(F("pk"), any_of_them, template="%(expressions)s", arg_joiner=" = ", output_field=BooleanField()))


def reads_ids_unordered(wanted: RegisterFilter) -> bool:
    """Whether `count_capped` should read the matching ids in any order: a search, or a filter a
    small related table answers (shares to an organisation, overdue follow-ups, review flags,
    approvals that took over N hours). In the page's order PostgreSQL walks the date index and
    tests every decision, so a filter matching one decision in 50 reads 50,000 rows to count
    1,000; in any order it starts from the related rows (or hashes them) and stops at 1,001."""
    return bool(wanted.search or wanted.shared_with or wanted.shared_with_another or wanted.followups_overdue
                or wanted.review or wanted.took_hours is not None)


def register_decisions(user, wanted: RegisterFilter) -> QuerySet[Decision]:
    """The submitted decisions `user` may see that match `wanted`, newest first."""
    decisions = decisions_visible_to(user).exclude(status__in=UNSUBMITTED).filter(submitted_at__isnull=False)
    if wanted.submitted_from:
        decisions = decisions.filter(submitted_at__gte=_day_start(wanted.submitted_from))
    if wanted.submitted_to:
        decisions = decisions.filter(submitted_at__lt=_day_start(wanted.submitted_to + datetime.timedelta(days=1)))
    if wanted.agencies:
        decisions = decisions.filter(agency__in=wanted.agencies)
    if wanted.outcome:
        decisions = decisions.filter(outcome=wanted.outcome)
    if wanted.position:
        decisions = decisions.filter(position_q(wanted.position, current_flowchart()))
    if wanted.statuses:
        decisions = decisions.filter(status__in=wanted.statuses)
    else:
        # Withdrawn before anything was shared (isg/approvals/withdrawal.py): listed only when asked for.
        decisions = decisions.exclude(status=Decision.Status.WITHDRAWN)
    if wanted.emergency:
        decisions = decisions.filter(is_emergency=True)
    # Everything asked of the approval in one filter(): one join to the approvals table.
    approval = Q()
    if wanted.overdue:
        decisions = decisions.filter(status__in=WAITING_STATUSES)
        approval &= Q(approval__due_at__lt=timezone.now())
    if wanted.approved_from:
        approval &= Q(approval__decided_at__gte=_day_start(wanted.approved_from))
    if wanted.approved_to:
        before = _day_start(wanted.approved_to + datetime.timedelta(days=1))
        approval &= Q(approval__decided_at__lt=before)
        # An approver decides after the decision is submitted (submitted_at is the first submission),
        # so this bounds the date index too: the walk starts at that date, not at the newest decision.
        decisions = decisions.filter(submitted_at__lt=before)
    if wanted.approved_late:
        approval &= Q(approval__decided_at__gt=F("approval__due_at"))
    if wanted.took_hours is not None:
        approval &= Q(approval__decided_at__gt=F("approval__requested_at") + datetime.timedelta(hours=wanted.took_hours))
    if approval:
        decisions = decisions.filter(approval)
    if wanted.followups_overdue:
        decisions = decisions.filter(_decision_in(FollowUp.objects.overdue()))
    if wanted.review:
        decisions = decisions.filter(pk__in=ReviewFlag.objects.open().values("decision_id"))
    if wanted.version:
        decisions = decisions.filter(flowchart_version=wanted.version)
    for name, values in wanted.flag_groups.items():
        decisions = decisions.filter(_any_of([_flag(name, value) for value in values]))
    if wanted.shared_with or wanted.shared_with_another:
        to = [Q(organisation__in=wanted.shared_with)] if wanted.shared_with else []
        if wanted.shared_with_another:
            to.append(Q(organisation__isnull=True))
        # EXISTS, not `_decision_in`: shares to one organisation are one decision in fifty, and
        # reading all their ids first costs more than the hash join it saves.
        decisions = decisions.filter(Exists(Share.objects.filter(_any_of(to), decision=OuterRef("pk"))))
    if wanted.search:
        decisions = _search(decisions, wanted.search)
    return decisions.order_by("-submitted_at", "-pk")


@dataclass(frozen=True)
class Page:
    decisions: list[Decision]
    next_cursor: str  # "" on the last page
    previous_cursor: str  # "" on the first page
    is_first: bool


type Position = tuple[datetime.datetime, int]  # (submitted_at, id): where a row sits in the register's order


@dataclass(frozen=True)
class Matches:
    """What `count_capped` found: the decisions to page through and how many match.

    With at most the cap matching, `positions` holds every match's place in the register's order, so
    a page is chosen from them here and only its rows are read (`page_of`). Otherwise it is None and
    the page is read from `decisions` by keyset.
    """

    decisions: QuerySet[Decision]
    count: int
    more: bool
    positions: tuple[Position, ...] | None = None


@contextmanager
def without_parallel_workers():
    """The register's queries run in one process each on PostgreSQL.

    Its queries read at most a few thousand index entries; PostgreSQL's cost model sees a million
    row table and starts two parallel workers, and starting them takes longer (about 10 ms here)
    than the reading they share. Set for this block's transaction only, and put back as it was on
    the way out, in case the block runs inside a longer transaction.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_parallel_workers_per_gather'), "
                           "set_config('max_parallel_workers_per_gather', '0', true)")
            (before, _) = cursor.fetchone()
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [before])


def _rows_for_page(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    # A row shows neither the path nor the record: at a million decisions they are most of a
    # row's bytes, and each would be parsed from JSON for nothing.
    # The approvals come in a second query for just this page's rows: joined in, the planner may
    # hash the whole approvals table when it expects many matches (a search), a cost that grows with N.
    return decisions.defer("path", "record").select_related("agency").prefetch_related("approval")


def page_of(matches: Matches, cursor: Cursor | None, size: int = PAGE_SIZE) -> Page:
    """One page of the matches (newest first) starting at `cursor`."""
    if matches.positions is not None:
        return _page_of_positions(matches, cursor, size)
    return _page_by_keyset(matches.decisions, cursor, size)


def _page_by_keyset(decisions: QuerySet[Decision], cursor: Cursor | None, size: int) -> Page:
    """The position is written as `submitted_at <= t AND (submitted_at < t OR id < pk)`: the first
    half is an index range, so the database starts reading at the cursor instead of skipping to it.

    The page's positions are read first, then its rows by id: asked for whole rows, PostgreSQL walks
    the date index fetching every row it passes to test the filters (20,000 rows from disk to list
    25 decisions with an overdue follow-up), where for positions alone the index has what it needs.
    """
    positions = decisions.values_list("submitted_at", "pk")
    if cursor is None:
        chosen = list(positions[: size + 1])
    else:
        at, pk = cursor.submitted_at, cursor.pk
        if cursor.direction == AFTER:
            chosen = list(positions.filter(Q(submitted_at__lte=at) & (Q(submitted_at__lt=at) | Q(pk__lt=pk)))[: size + 1])
        else:
            # BEFORE: read upwards from the cursor, oldest first; `_page_from` turns the page the right way round.
            chosen = list(positions.filter(Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(pk__gt=pk)))
                          .order_by("submitted_at", "pk")[: size + 1])
    return _page_from(decisions, chosen, cursor, size)


def _page_of_positions(matches: Matches, cursor: Cursor | None, size: int) -> Page:
    """The same page as `_page_by_keyset`, chosen from the known positions; only its rows are read.

    Sorting a few hundred matches in the database means reading every one of their rows; here
    the rows read are the page's own.
    """
    newest_first = sorted(matches.positions, reverse=True)
    if cursor is None or cursor.direction == AFTER:
        start = (cursor.submitted_at, cursor.pk) if cursor else None
        chosen = [p for p in newest_first if start is None or p < start][: size + 1]
    else:
        start = (cursor.submitted_at, cursor.pk)
        chosen = [p for p in reversed(newest_first) if p > start][: size + 1]
    return _page_from(matches.decisions, chosen, cursor, size)


def _page_from(decisions: QuerySet[Decision], chosen: list[Position], cursor: Cursor | None, size: int) -> Page:
    """The page of the `chosen` positions (up to size + 1, in reading order), its rows read by id."""
    by_pk = _rows_for_page(decisions.model.objects.filter(pk__in=[pk for _, pk in chosen])).in_bulk()
    found = [by_pk[pk] for _, pk in chosen if pk in by_pk]
    if cursor is None:
        return Page(found[:size], write_cursor(AFTER, found[size - 1]) if len(found) > size else "", "", True)
    return _after_page(found, size) if cursor.direction == AFTER else _before_page(found, size)


def _after_page(found: list[Decision], size: int) -> Page:
    page = found[:size]
    return Page(
        page, write_cursor(AFTER, page[-1]) if len(found) > size else "",
        write_cursor(BEFORE, page[0]) if page else "", False,
    )


def _before_page(found_oldest_first: list[Decision], size: int) -> Page:
    more_before = len(found_oldest_first) > size
    page = list(reversed(found_oldest_first[:size]))
    return Page(
        page, write_cursor(AFTER, page[-1]) if page else "",
        write_cursor(BEFORE, page[0]) if more_before else "", not more_before,
    )


def count_capped(decisions: QuerySet[Decision], *, unordered: bool, cap: int | None = None) -> Matches:
    """The decisions to page through and how many match (or that more than `cap` do): a bounded
    count, whatever the table's size.

    When few match, their positions are kept (see `Matches`) and the decisions to page through are
    narrowed to those ids. PostgreSQL cannot tell a rare search word from a common one when the word
    is outside the column's statistics (it assumes a fixed share of the table), so for a search it
    walks the date index and tests every row: 9 seconds to find a word fifty decisions hold among a
    million. Narrowed, only the page's rows are read, by id. With many matches, walking the date
    index finds a page's worth in a few rows, so the query is left as it was.

    The ids are read in the page's order unless `unordered` (`reads_ids_unordered`): then the search
    index or a small related table finds them in any order. Unordered with only the decisions' own
    columns to go on, PostgreSQL reads the whole table from the start (45 ms at a million) where
    the agency's or the date's index gives the first `cap` in a few ms.
    Narrowed, the rows are read by id only, `decisions`' filters not asked again: the filters chose
    them a moment ago, and asking again tests each one's search document, a TOASTed value that at a
    million rows is mostly on disk (15 ms for fifty matches, against 1 ms for the ids).
    """
    cap = COUNT_CAP if cap is None else cap
    found = decisions.order_by() if unordered else decisions
    # submitted_at comes with the id from the register's indexes: positions cost no extra reading.
    positions = list(found.values_list("submitted_at", "pk")[: cap + 1])
    if len(positions) > cap:
        return Matches(decisions, cap, True)
    narrowed = decisions.model.objects.filter(pk__in=[pk for _, pk in positions]).order_by(*decisions.query.order_by)
    return Matches(narrowed, len(positions), False, tuple(positions))


# -- the audit of searches (AT-1) ------------------------------------------------------------------

AUDIT_SUBJECT = "register"


def audit_criteria(wanted: RegisterFilter) -> dict:
    """What was asked for, as the audit chain may keep it: codes and dates, never the search words
    (only their keyed hash and how many there were; isg/register/search.py)."""
    criteria: dict = {}
    for name, day in (("from", wanted.submitted_from), ("to", wanted.submitted_to),
                      ("approved_from", wanted.approved_from), ("approved_to", wanted.approved_to)):
        if day:
            criteria[name] = day.isoformat()
    if wanted.agencies:
        slugs = [agency.slug for agency in wanted.agencies]
        criteria["agency"] = slugs[0] if len(slugs) == 1 else slugs
    for name in ("outcome", "position", "version"):
        if getattr(wanted, name):
            criteria[name] = getattr(wanted, name)
    if wanted.statuses:
        criteria["status"] = wanted.statuses[0] if len(wanted.statuses) == 1 else list(wanted.statuses)
    for name, key in (("emergency", "emergency"), ("overdue", "overdue"), ("approved_late", "late"),
                      ("followups_overdue", "followups"), ("review", "review")):
        if getattr(wanted, name):
            criteria[key] = True
    if wanted.took_hours is not None:
        criteria["took_hours"] = wanted.took_hours
    if wanted.flags:
        flags = [f"{name}:{str(value).lower() if isinstance(value, bool) else value}" for name, value in wanted.flags]
        criteria["flag"] = flags[0] if len(flags) == 1 else flags
    if wanted.recipients:
        criteria["recipient"] = list(wanted.recipients)
    if wanted.shared_with or wanted.shared_with_another:
        # Directory ids, and "another" for an organisation the practitioner named (never its name).
        criteria["shared_with"] = [*wanted.shared_with, *(["another"] if wanted.shared_with_another else [])]
    if wanted.search:
        criteria["search_hmac"] = search.digest(wanted.search)
        criteria["search_words"] = search.word_count(wanted.search)
    return criteria


def audit_search(user, wanted: RegisterFilter, *, where: str, count: int, more: bool = False,
                 later_page: bool = False) -> None:
    """One `searched` event for one request that listed or counted decisions for `wanted`.

    `where` says which page ran it ("register", "export_csv", "export_zip"). Called once per
    request, by the view that ran the query: redirects and progress polls run none, so log none.
    """
    audit.append(
        actor=user, action=AuditEvent.Action.SEARCHED, subject_type=AUDIT_SUBJECT, subject_id=where,
        payload={"criteria": audit_criteria(wanted), "count": count, "more": more, "later_page": later_page},
    )
