"""The partnership dashboard's figures, as plain data, from the register's own filtered queryset.

Reads only. Every figure starts from `register_decisions(user, wanted)`, so the dashboard counts
exactly the decisions the register would list for the same filter, and nothing its reader may not
see. Each breakdown is one GROUP BY in the database; Python only names and orders the groups.
The one exception is the approval-time percentiles on SQLite (no percentile_cont there): Python
then reads the approval durations alone, never the decisions.

Each figure says what it counts (a definition, in words), and a decision is counted by where it
stands now: shared, waiting, not approved, or neither, apart; a withdrawn decision (once
Decision.Status has the status) is counted apart and left out of every other figure. A figure
links to the register only where the register's filters list exactly its rows: a group that also
holds withdrawn decisions, or whose link would replace a filter the reader chose, has no link.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, FloatField, Func, Q, QuerySet
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncMonth
from django.utils import timezone

from isg.decisions.models import WAITING_STATUSES, Decision
from isg.engine import Flowchart
from isg.register.filters import POSITIONS, RegisterFilter, outcome_choices
from isg.register.services import register_decisions, shared_q

NOT_RECORDED = "Not recorded"
INFORM_NODE, REASON_FIELD = "inform_person", "not_informing_reason"

# The inform_person step's reason, read from the stored path in the database. The step's place in
# the path varies with the walk, so it is found by node id, not by index.
REASON_SQL = {
    "postgresql": (
        "jsonb_path_query_first(\"decisions_decision\".\"path\", "
        "'$[*] ? (@.node == \"inform_person\").fields.not_informing_reason') #>> '{}'"
    ),
    "sqlite": (
        "(SELECT json_extract(step.value, '$.fields.not_informing_reason') "
        "FROM json_each(\"decisions_decision\".\"path\") AS step "
        "WHERE json_extract(step.value, '$.node') = 'inform_person' LIMIT 1)"
    ),
}


@dataclass(frozen=True)
class Bar:
    """One group of a breakdown: what it is, how many decisions, their share of the breakdown's total."""

    key: str
    label: str
    count: int
    percent: int = 0  # whole percent of the breakdown's total, for the table and the bar's label
    url: str = ""  # the register filtered to exactly this group's rows; "" where no filter gives exactly them
    definition: str = ""  # what the group counts, in words


@dataclass(frozen=True)
class Breakdown:
    title: str
    bars: tuple[Bar, ...]
    total: int
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class ApprovalTimes:
    """Submission to approval, over approved decisions: how many, and the median and 90th percentile."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None

    @property
    def median(self) -> str:
        return human_duration(self.median_seconds)

    @property
    def p90(self) -> str:
        return human_duration(self.p90_seconds)


@dataclass(frozen=True)
class TimelinessRow:
    """One agency's or approver's answered approvals: how many, how fast, how many after their due time."""

    key: str
    label: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    with_due: int  # answered approvals that had a due time
    late: int  # answered after it

    @property
    def median(self) -> str:
        return human_duration(self.median_seconds)

    @property
    def p90(self) -> str:
        return human_duration(self.p90_seconds)

    @property
    def late_percent(self) -> int | None:
        return _percent(self.late, self.with_due) if self.with_due else None


@dataclass(frozen=True)
class Timeliness:
    title: str
    group_header: str
    rows: tuple[TimelinessRow, ...]

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Cell:
    count: int
    url: str = ""
    label: str = ""  # what the number counts, for a link's hidden text: "shared by North with police"


@dataclass(frozen=True)
class MatrixRow:
    key: str
    label: str
    cells: tuple[Cell, ...]
    total: int


@dataclass(frozen=True)
class SharingMatrix:
    columns: tuple[tuple[str, str], ...]  # (value, label)
    rows: tuple[MatrixRow, ...]
    column_totals: tuple[int, ...]
    total: int
    source: str  # where the recipient is read from, in words
    definition: str = ""  # what a number counts, in words

    @property
    def is_empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class MonthTrend:
    key: str  # 2026-01
    label: str  # January 2026
    total: Cell
    shared: Cell
    not_approved: Cell
    waiting: Cell

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, self.shared, self.not_approved, self.waiting)


@dataclass(frozen=True)
class Figures:
    total: int  # the decisions the figures count: the register's, less any withdrawn
    by_outcome: Breakdown
    by_agency: Breakdown
    by_month: Breakdown
    decisions: Breakdown  # shared / waiting / not approved / other: apart, adding up to `total`
    approval_times: ApprovalTimes
    overdue: int
    consent: Breakdown
    harm: Breakdown
    not_informing: Breakdown
    rates: dict = field(default_factory=dict)  # "share" / "not_approved" / "waiting" -> whole percent of total
    listed: int = 0  # what the register lists for the same filter, withdrawn decisions included
    withdrawn: int | None = None  # None while Decision.Status has no withdrawn status
    withdrawn_url: str = ""
    overdue_url: str = ""
    overdue_follow_ups: int = 0
    statuses: Breakdown | None = None
    timeliness_by_agency: Timeliness | None = None
    timeliness_by_approver: Timeliness | None = None
    matrix: SharingMatrix | None = None
    organisations: SharingMatrix | None = None  # agencies x recipient organisations, from recorded shares
    trends: tuple[MonthTrend, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.total == 0


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile `fraction` of `expression`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(fraction), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """percentile_cont's definition (linear interpolation between the two nearest ranks), in Python."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def human_duration(seconds: float | None) -> str:
    """"2 days 3 hours", "5 hours 12 minutes", "40 minutes": the two largest units, rounded to the minute."""
    if seconds is None:
        return "None yet"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "Less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    return " ".join(shown)


def _percent(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def _breakdown(title: str, groups: list[tuple[str, str, int, str]], total: int, note: str = "") -> Breakdown:
    bars = tuple(Bar(key, label, count, _percent(count, total), url) for key, label, count, url in groups)
    return Breakdown(title, bars, total, note)


def _counts(decisions: QuerySet, key) -> dict:
    """{group value: count}: one GROUP BY query."""
    return {row["key"]: row["n"] for row in decisions.values(key=key).annotate(n=Count("pk")).order_by()}


def _humanise(value: str) -> str:
    return value.replace("_", " ").capitalize()


def by_outcome(decisions: QuerySet, flowchart: Flowchart, register_url) -> tuple[Breakdown, dict]:
    counts = _counts(decisions, F("outcome"))
    titles = dict(outcome_choices(flowchart))
    order = list(titles)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in titles else len(order)))
    total = sum(counts.values())
    groups = [(key, titles.get(key, key or NOT_RECORDED), n, register_url(outcome=key) if key in titles else "")
              for key, n in ranked]
    return _breakdown("Decisions by outcome", groups, total), counts


def by_agency(decisions: QuerySet, register_url) -> Breakdown:
    rows = decisions.values("agency__slug", "agency__name").annotate(n=Count("pk")).order_by("-n", "agency__name")
    groups = [(r["agency__slug"] or "", r["agency__name"] or "No agency", r["n"],
               register_url(agency=r["agency__slug"]) if r["agency__slug"] else "") for r in rows]
    return _breakdown("Decisions by agency", groups, sum(r["n"] for r in rows))


def _months(first: datetime.date, last: datetime.date):
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield datetime.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def by_month(decisions: QuerySet) -> Breakdown:
    """Submissions per calendar month (UK time), with the empty months between shown as 0."""
    counts = {}
    for key, n in _counts(decisions, TruncMonth("submitted_at")).items():
        local = timezone.localtime(key) if isinstance(key, datetime.datetime) else key
        counts[datetime.date(local.year, local.month, 1)] = n
    groups = []
    if counts:
        groups = [(f"{m:%Y-%m}", f"{m:%B %Y}", counts.get(m, 0), "") for m in _months(min(counts), max(counts))]
    return _breakdown("Decisions by month submitted", groups, sum(counts.values()))


def by_state(decisions: QuerySet, flowchart: Flowchart, variable: str, title: str, register_url=None) -> Breakdown:
    """The mix of one state variable's values (consent_status, harm_level), in the flowchart's order;
    each of the flowchart's values linked to the register's "answer recorded" filter for it."""
    register_url = register_url or (lambda **params: "")
    counts = _counts(decisions, KeyTextTransform(variable, "state"))
    order = list(flowchart.variables.get(variable) or ())
    known = [(v, _humanise(v), counts[v], register_url(flag=f"{variable}:{v}")) for v in order if v in counts]
    other = [(v or "", _humanise(v) if v else NOT_RECORDED, n, "") for v, n in counts.items() if v not in order]
    return _breakdown(title, known + sorted(other, key=lambda g: g[1]), sum(counts.values()))


def not_informing_reasons(decisions: QuerySet, flowchart: Flowchart) -> Breakdown:
    """Why the person was not told, over decisions whose path says they would not be told."""
    reason = RawSQL(REASON_SQL[connection.vendor], [])
    counts = _counts(decisions.filter(state__informed="not_informing"), reason)
    field_ = next((f for f in flowchart.node(INFORM_NODE).fields if f.id == REASON_FIELD), None)
    choices = [(c.id, c.label) for c in field_.choices] if field_ else []
    known = [(key, label, counts[key], "") for key, label in choices if key in counts]
    other = [(k or "", _humanise(k) if k else NOT_RECORDED, n, "") for k, n in counts.items()
             if k not in dict(choices)]
    total = sum(counts.values())
    note = f"Of the {total} decision{'s' if total != 1 else ''} in which the person is not to be told." if total else ""
    return _breakdown("Reasons for not telling the person", known + other, total, note)


def approval_times(decisions: QuerySet) -> ApprovalTimes:
    """Submission to approval over approved decisions: median and 90th percentile, in seconds."""
    approved = decisions.filter(status=Decision.Status.APPROVED, approval__decided_at__isnull=False)
    took = ExpressionWrapper(F("approval__decided_at") - F("submitted_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        seconds = EpochSeconds(took)
        found = approved.aggregate(n=Count("pk"), median=PercentileCont(seconds, 0.5), p90=PercentileCont(seconds, 0.9))
        return ApprovalTimes(found["n"], found["median"], found["p90"])
    # SQLite has no percentile_cont: read the durations only, sorted by the database.
    durations = [d.total_seconds() for d in approved.annotate(took=took).order_by("took").values_list("took", flat=True)]
    return ApprovalTimes(len(durations), percentile(durations, 0.5), percentile(durations, 0.9))


def overdue_count(decisions: QuerySet, now: datetime.datetime | None = None) -> int:
    """Approvals and reviews past their due time and still awaited (the register's "overdue")."""
    now = now or timezone.now()
    return decisions.filter(status__in=WAITING_STATUSES, approval__due_at__lt=now).count()


# -- the decisions' position: shared, waiting, not approved and withdrawn counted apart --------------

# A withdrawn decision stays in the register but leaves the partnership's figures. Read from
# Decision.Status at import, so the figures follow the status once it exists; None until then.
WITHDRAWN: str | None = Decision.Status.__members__.get("WITHDRAWN")
# The filters the dashboard's own links set; a link that would change one the reader already set
# (another status on top of theirs) would list other rows than the figure, so it is not made.
LINK_PARAMS = ("agency", "outcome", "position", "status", "flag", "overdue", "shared-with")
RECIPIENT = "recipient_kind"
RECIPIENT_LABELS = {
    "social_care": "Social care", "police": "Police", "multi_agency_meeting": "Multi-agency meeting",
    "other": "Another organisation or person",
}
POSITION_DEFINITIONS = {
    "shared": "Decisions to share, or to ask for information, that went ahead: needing no approval, approved, "
              "or shared and then agreed or disagreed on review. Shares made at once that still wait for their "
              "review or approval (emergencies among them) are counted under waiting, not here.",
    "waiting": "Waiting for an approver: for approval before sharing, or for the review or approval of a share "
               "already made (an emergency share is made first and approved afterwards).",
    "not_approved": "An approver did not approve the share: the information must not be shared.",
    "other": "Decisions not to share, decisions where advice was sought, decisions returned with a question "
             "or escalated and still open, and escalations resolved by a later decision.",
}
POSITION_LABELS = dict(POSITIONS)  # the register's "Where it stands now", so a link lands on the same words


def _not_withdrawn(decisions: QuerySet) -> QuerySet:
    return decisions.exclude(status=WITHDRAWN) if WITHDRAWN else decisions


def status_counts(listed: QuerySet, register_url, also: dict | None = None) -> Breakdown:
    """Every status a listed decision can have, in Decision.Status's order (a new status appears by
    itself), withdrawn included; each linked to the register filtered on that status. `also` adds
    counts of statuses the register lists only when asked for ({status: count})."""
    from isg.register.filters import LISTED_STATUSES

    counts = {**_counts(listed, F("status")), **{k: n for k, n in (also or {}).items() if n}}
    groups = [(value, label, counts.get(value, 0), register_url(status=value) if counts.get(value) else "")
              for value, label in LISTED_STATUSES]
    groups += [(key, _humanise(key), n, "") for key, n in counts.items() if key not in dict(LISTED_STATUSES)]
    return _breakdown("Decisions by approval state", groups, sum(counts.values()),
                      note="Every decision the register lists for these filters, by where it stands now, "
                           "withdrawn decisions included.")


def position(statuses: dict, shared: int, register_url) -> Breakdown:
    """Shared, waiting, not approved and the rest, apart and adding up to the decisions counted.

    `statuses` counts the counted decisions (withdrawn left out) by status; `shared` is how many
    of them went ahead with a share. Each group links to the register's "Where it stands now" for it.
    """
    waiting = sum(statuses.get(s, 0) for s in WAITING_STATUSES)
    not_approved = statuses.get(Decision.Status.NOT_APPROVED, 0)
    total = sum(statuses.values())
    values = {"shared": shared, "waiting": waiting, "not_approved": not_approved,
              "other": total - shared - waiting - not_approved}
    bars = tuple(Bar(key, POSITION_LABELS[key], n, _percent(n, total), register_url(position=key) if n else "",
                     POSITION_DEFINITIONS[key])
                 for key, n in values.items())
    return Breakdown("Shared, waiting and not approved", bars, total,
                     note="Each decision is counted once, by where it stands now.")


def _duration_rows(approvals: QuerySet, group: str) -> dict:
    """{group value: (median, p90)} of decided_at - requested_at, in seconds."""
    took = ExpressionWrapper(F("decided_at") - F("requested_at"), output_field=DurationField())
    if connection.vendor == "postgresql":
        seconds = EpochSeconds(took)
        rows = approvals.values(key=F(group)).annotate(
            median=PercentileCont(seconds, 0.5), p90=PercentileCont(seconds, 0.9)).order_by()
        return {r["key"]: (r["median"], r["p90"]) for r in rows}
    # SQLite has no percentile_cont: read the durations alone, sorted by the database.
    grouped: dict = {}
    for key, duration in approvals.annotate(took=took).order_by(group, "took").values_list(group, "took"):
        grouped.setdefault(key, []).append(duration.total_seconds())
    return {key: (percentile(values, 0.5), percentile(values, 0.9)) for key, values in grouped.items()}


def timeliness(decisions: QuerySet, *, group: str, names: tuple[str, ...], title: str, header: str) -> Timeliness:
    """Answered approvals of `decisions`, per `group` (a path from Approval): how many, the median and
    90th percentile time from request to answer, and how many were answered after their due time.

    An answered approval is one an approver approved or did not approve, or a share they agreed or
    disagreed with on review; a question sent back is not an answer. `names` are the fields whose
    words name a group: the first ones joined, or else the last (a person's name, or else username).
    """
    from isg.approvals.models import Approval

    approvals = Approval.objects.filter(
        decision__in=decisions.values("pk"), purpose=Approval.Purpose.APPROVAL,
        decided_at__isnull=False, decided_by__isnull=False,
    )
    named = {f"name{i}": F(path) for i, path in enumerate(names)}
    rows = approvals.values(key=F(group), **named).annotate(
        n=Count("pk"),
        with_due=Count("pk", filter=Q(due_at__isnull=False)),
        late=Count("pk", filter=Q(due_at__isnull=False, decided_at__gt=F("due_at"))),
    ).order_by()
    durations = _duration_rows(approvals, group)
    found = [
        TimelinessRow(str(r["key"] or ""), _name(r, len(names)), r["n"], *durations.get(r["key"], (None, None)),
                      with_due=r["with_due"], late=r["late"])
        for r in rows
    ]
    return Timeliness(title, header, tuple(sorted(found, key=lambda row: (row.label.lower(), row.key))))


def _name(row: dict, parts: int) -> str:
    words = " ".join(str(row[f"name{i}"] or "") for i in range(max(parts - 1, 1))).strip()
    return words or str(row[f"name{parts - 1}"] or "") or NOT_RECORDED


def sharing_matrix(decisions: QuerySet, *, flowchart: Flowchart, register_url=None) -> SharingMatrix:
    """Who shares with whom: shared decisions by agency (rows) and kind of recipient (columns).

    The recipient is read from the decision's state variable `recipient_kind`, set by the
    flowchart's check of who will receive the information (social care, police, a multi-agency
    meeting, or another organisation or person). It is a kind, not a named organisation, and what
    was planned: `sharing_by_organisation` reads the disclosure record instead (isg/disclosures:
    each actual share with an organisation of isg/directory), and the dashboard shows both.

    `decisions` are the register's decisions for the filter, withdrawn ones included: a cell links
    to the register's shared decisions of its agency and recipient, which are exactly its rows.
    """
    register_url = register_url or (lambda **params: "")
    kind = KeyTextTransform(RECIPIENT, "state")
    counted = shared_q(flowchart)
    if WITHDRAWN:
        counted &= ~Q(status=WITHDRAWN)
    rows = decisions.values("agency__slug", "agency__name", recipient=kind).annotate(
        shared=Count("pk", filter=counted)).order_by()
    values = list(flowchart.variables.get(RECIPIENT) or ())
    found: dict = {}
    for r in rows:
        if r["shared"]:
            found.setdefault((r["agency__slug"] or "", r["agency__name"] or "No agency"), {})[r["recipient"] or ""] = r
            if (r["recipient"] or "") not in values:
                values.append(r["recipient"] or "")
    columns = tuple((v, RECIPIENT_LABELS.get(v, _humanise(v)) if v else NOT_RECORDED) for v in values)
    out = []
    for (slug, name), cells in sorted(found.items(), key=lambda kv: kv[0][1].lower()):
        made = []
        for value, column in columns:
            r = cells.get(value)
            n = r["shared"] if r else 0
            # No register filter names a missing agency or recipient: those cells have no link.
            linked = n and slug and value
            made.append(Cell(n, register_url(agency=slug, flag=f"{RECIPIENT}:{value}", position="shared")
                             if linked else "",
                             f"shared by {name} with {column.lower()}"))
        out.append(MatrixRow(slug, name, tuple(made), sum(c.count for c in made)))
    totals = tuple(sum(row.cells[i].count for row in out) for i in range(len(columns)))
    return SharingMatrix(columns, tuple(out), totals, sum(totals),
                         source="The kind of recipient the practitioner checked in the decision.")


ANOTHER_LABEL = "Another organisation (named)"
ORGANISATIONS_DEFINITION = (
    "Decisions, not shares: a decision counts once under each organisation it has a share recorded to "
    "(after sharing, on the decision's page), however many shares to that organisation were recorded. A "
    "decision shared with two organisations counts under both, so an agency's total (and the grand total), "
    "which count each decision once, can be less than the sum of its row."
)


def sharing_by_organisation(decisions: QuerySet, register_url=None) -> SharingMatrix:
    """Who shared with which organisation: decisions by agency (rows) and the organisation each share
    was recorded to (columns: the directory's organisations with any, by name, then another
    organisation the practitioner named), read from the disclosure record (isg/disclosures Share).

    A cell counts decisions, once each however many shares; row, column and grand totals count
    distinct decisions too (a column's is its cells' sum: each decision has one agency). `decisions` are the register's for the filter, withdrawn ones included:
    they are left out of the counts, and a cell links to the register (its agency and the "Shared
    with (organisation)" filter) only when the register lists exactly its decisions.
    """
    from isg.disclosures.models import Share
    from isg.register.filters import ANOTHER_ORGANISATION, SHARED_WITH

    register_url = register_url or (lambda **params: "")
    shares = Share.objects.filter(decision__in=decisions.values("pk"))
    counted = ~Q(decision__status=WITHDRAWN) if WITHDRAWN else Q()
    agency, org = "decision__agency__slug", "organisation_id"

    cells = shares.values(agency, "decision__agency__name", org, "organisation__name").annotate(
        n=Count("decision", distinct=True, filter=counted), listed=Count("decision", distinct=True)).order_by()
    cells = [r for r in cells if r["n"]]
    names = {r[org]: r["organisation__name"] for r in cells if r[org] is not None}
    columns = [(str(pk), name) for pk, name in sorted(names.items(), key=lambda kv: (kv[1].lower(), kv[0]))]
    if any(r[org] is None for r in cells):
        columns.append((ANOTHER_ORGANISATION, ANOTHER_LABEL))
    agencies = sorted({(r[agency] or "", r["decision__agency__name"] or "No agency") for r in cells},
                      key=lambda a: (a[1].lower(), a[0]))
    found = {(r[agency] or "", str(r[org]) if r[org] is not None else ANOTHER_ORGANISATION): r for r in cells}
    # Each decision has one agency: a column's decisions are its cells' sum, and the grand total the
    # rows' sum. Only a row counts a decision shared with two organisations once, by its own query.
    by_agency = {r[agency]: r["n"] for r in shares.values(agency).annotate(
        n=Count("decision", distinct=True, filter=counted)).order_by()}
    rows = []
    for slug, name in agencies:
        made = []
        for value, column in columns:
            r = found.get((slug, value))
            n = r["n"] if r else 0
            exact = bool(r) and n == r["listed"] and slug
            made.append(Cell(n, register_url(agency=[slug], **{SHARED_WITH: [value]}) if exact else "",
                             f"shared by {name} with {column}"))
        rows.append(MatrixRow(slug, name, tuple(made), by_agency.get(slug or None, 0)))
    totals = tuple(sum(row.cells[i].count for row in rows) for i in range(len(columns)))
    return SharingMatrix(tuple(columns), tuple(rows), totals, sum(row.total for row in rows),
                         source="The organisation each share was recorded to, after sharing.",
                         definition=ORGANISATIONS_DEFINITION)


def _month_bounds(month: datetime.date, wanted: RegisterFilter) -> dict:
    """The register's date filter for one month, within the reader's own dates."""
    last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    start = max(month, wanted.submitted_from) if wanted.submitted_from else month
    end = min(last, wanted.submitted_to) if wanted.submitted_to else last
    params = {}
    for prefix, day in (("from", start), ("to", end)):
        params.update({f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)})
    return params


def monthly_trends(decisions: QuerySet, *, flowchart: Flowchart, wanted: RegisterFilter, register_url) -> tuple:
    """Per calendar month submitted (UK time, empty months as 0): decisions counted, shared, not approved
    and waiting. `decisions` include withdrawn ones, so a month links only when the register lists
    exactly its rows."""
    not_withdrawn = ~Q(status=WITHDRAWN) if WITHDRAWN else Q()
    rows = decisions.values(month=TruncMonth("submitted_at")).annotate(
        listed=Count("pk"),
        total=Count("pk", filter=not_withdrawn),
        shared=Count("pk", filter=shared_q(flowchart) & not_withdrawn),
        not_approved=Count("pk", filter=Q(status=Decision.Status.NOT_APPROVED)),
        waiting=Count("pk", filter=Q(status__in=WAITING_STATUSES)),
    ).order_by()
    by_month = {}
    for r in rows:
        local = timezone.localtime(r["month"]) if isinstance(r["month"], datetime.datetime) else r["month"]
        by_month[datetime.date(local.year, local.month, 1)] = r
    if not by_month:
        return ()
    out = []
    for month in _months(min(by_month), max(by_month)):
        r = by_month.get(month) or {"listed": 0, "total": 0, "shared": 0, "not_approved": 0, "waiting": 0}
        dates = _month_bounds(month, wanted)
        label = f"{month:%B %Y}"
        out.append(MonthTrend(
            key=f"{month:%Y-%m}", label=label,
            total=Cell(r["total"], register_url(**dates) if r["total"] and r["total"] == r["listed"] else "",
                       f"counted in {label}"),
            shared=Cell(r["shared"], register_url(**dates, position="shared") if r["shared"] else "",
                        f"shared in {label}"),
            not_approved=Cell(r["not_approved"], register_url(**dates, position="not_approved")
                              if r["not_approved"] else "", f"not approved in {label}"),
            waiting=Cell(r["waiting"], register_url(**dates, position="waiting") if r["waiting"] else "",
                         f"waiting in {label}"),
        ))
    return tuple(out)


def overdue_follow_ups(decisions: QuerySet, now: datetime.datetime | None = None) -> int:
    """Follow-up tasks of these decisions still open after their due time."""
    from isg.followups.models import FollowUp

    return FollowUp.objects.overdue(now).filter(decision__in=decisions.values("pk")).count()


def _without_withdrawn_links(breakdown: Breakdown, withdrawn_by: dict) -> Breakdown:
    """Drop a group's link where the register would also list withdrawn decisions the figure leaves out."""
    if not withdrawn_by:
        return breakdown
    bars = tuple(Bar(b.key, b.label, b.count, b.percent, "" if withdrawn_by.get(b.key) else b.url, b.definition)
                 for b in breakdown.bars)
    return Breakdown(breakdown.title, bars, breakdown.total, breakdown.note)


def _month_links(breakdown: Breakdown, trends: tuple) -> Breakdown:
    """Each month's bar linked as its row of the trends is: the register's dates for that month."""
    urls = {trend.key: trend.total.url for trend in trends}
    bars = tuple(Bar(b.key, b.label, b.count, b.percent, urls.get(b.key, ""), b.definition) for b in breakdown.bars)
    return Breakdown(breakdown.title, bars, breakdown.total, breakdown.note)


def dashboard_figures(user, wanted: RegisterFilter, flowchart: Flowchart, register_url=None) -> Figures:
    """Every figure for the decisions the register lists for `user` and `wanted`.

    `register_url(**params)`, if given, makes the register's URL for one group (an outcome, an
    agency) on top of the current filter, so a table row can open the decisions it counts. It
    returns "" where the register cannot list exactly the group's rows (the reader's filter
    already asks for something else), and so does every figure whose rows no register filter gives.

    A withdrawn decision (when Decision.Status has one) is listed and counted in the statuses and
    apart, never in the partnership's figures.
    """
    register_url = register_url or (lambda **params: "")
    listed = register_decisions(user, wanted).order_by()  # no ORDER BY in the GROUP BYs
    decisions = _not_withdrawn(listed)
    also: dict = {}
    if WITHDRAWN and WITHDRAWN not in wanted.statuses:
        # The register lists withdrawn decisions only when its filter asks for them: counted here
        # apart, with the same filter, and linked to the register asking for them.
        also[WITHDRAWN] = register_decisions(user, dataclasses.replace(wanted, statuses=(WITHDRAWN,))).count()
    statuses = status_counts(listed, register_url, also=also)
    withdrawn = None
    gone: dict = {}  # withdrawn decisions per group: a group holding any has no exact register link
    if WITHDRAWN:
        withdrawn = next((b.count for b in statuses.bars if b.key == WITHDRAWN), 0)
        if withdrawn and WITHDRAWN in wanted.statuses:
            withdrawn_rows = listed.filter(status=WITHDRAWN)
            gone = {name: _counts(withdrawn_rows, key) for name, key in (
                ("outcome", F("outcome")), ("agency", F("agency__slug")),
                ("consent", KeyTextTransform("consent_status", "state")),
                ("harm", KeyTextTransform("harm_level", "state")))}
    outcomes, outcome_counts = by_outcome(decisions, flowchart, register_url)
    total = outcomes.total
    counted_statuses = {b.key: b.count for b in statuses.bars if b.key != WITHDRAWN}
    split = position(counted_statuses, decisions.filter(shared_q(flowchart)).count(), register_url)
    counted = {bar.key: bar.count for bar in split.bars}
    trends = monthly_trends(listed, flowchart=flowchart, wanted=wanted, register_url=register_url)
    return Figures(
        total=total,
        by_outcome=_without_withdrawn_links(outcomes, gone.get("outcome")),
        by_agency=_without_withdrawn_links(by_agency(decisions, register_url), gone.get("agency")),
        by_month=_month_links(by_month(decisions), trends),
        decisions=split,
        approval_times=approval_times(decisions),
        overdue=overdue_count(decisions),
        consent=_without_withdrawn_links(
            by_state(decisions, flowchart, "consent_status", "Consent status", register_url), gone.get("consent")),
        harm=_without_withdrawn_links(
            by_state(decisions, flowchart, "harm_level", "Harm level", register_url), gone.get("harm")),
        not_informing=not_informing_reasons(decisions, flowchart),
        rates={key: _percent(counted.get(key, 0), total) for key in ("shared", "waiting", "not_approved")},
        listed=statuses.total,
        withdrawn=withdrawn,
        withdrawn_url=register_url(status=WITHDRAWN) if withdrawn else "",
        overdue_url=register_url(overdue="yes"),
        overdue_follow_ups=overdue_follow_ups(decisions),
        statuses=statuses,
        timeliness_by_agency=timeliness(decisions, group="decision__agency__slug", names=("decision__agency__name",),
                                        title="Time to approval by agency", header="Agency"),
        timeliness_by_approver=timeliness(decisions, group="decided_by",
                                          names=("decided_by__first_name", "decided_by__last_name", "decided_by__username"),
                                          title="Time to approval by approver", header="Approver"),
        matrix=sharing_matrix(listed, flowchart=flowchart, register_url=register_url),
        organisations=sharing_by_organisation(listed, register_url=register_url),
        trends=trends,
    )
