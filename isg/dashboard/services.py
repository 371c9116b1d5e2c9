"""The partnership dashboard's figures, as plain data, from the register's own filtered queryset.

Reads only. Every figure starts from `register_decisions(user, wanted)`, so the dashboard counts
exactly the decisions the register would list for the same filter, and nothing its reader may not
see. Each breakdown is one GROUP BY in the database; Python only names and orders the groups.
The one exception is the approval-time percentiles on SQLite (no percentile_cont there): Python
then reads the approval durations alone, never the decisions.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, FloatField, Func, QuerySet
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncMonth
from django.utils import timezone

from isg.decisions.models import WAITING_STATUSES, Decision
from isg.engine import Flowchart
from isg.flowchart.services import archived_flowcharts
from isg.register.filters import RegisterFilter, outcome_choices
from isg.register.services import register_decisions

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
    url: str = ""  # the register filtered to this group, where the register has such a filter


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
class Figures:
    total: int
    by_outcome: Breakdown
    by_agency: Breakdown
    by_month: Breakdown
    decisions: Breakdown  # share / do not share / neither yet
    approval_times: ApprovalTimes
    overdue: int
    consent: Breakdown
    harm: Breakdown
    not_informing: Breakdown
    rates: dict = field(default_factory=dict)  # "share" / "do_not_share" -> whole percent of total

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


def _all_outcomes(flowchart: Flowchart):
    seen = {}
    for chart in (flowchart, *archived_flowcharts().values()):
        for outcome in chart.outcomes:
            seen.setdefault(outcome.id, outcome)
    return seen


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


def _declines(outcome) -> bool:
    """An outcome rule that says not to share (in any of its alternatives)."""
    from isg.engine.model import clauses_of

    conditions = [outcome.when, *outcome.when_any]
    return any(clause.get("decision") == "do_not_share" for c in conditions for clause in clauses_of(c))


def share_split(outcome_counts: dict, flowchart: Flowchart) -> Breakdown:
    """Share, do not share, or neither (advice sought, still open), from the outcome counts alone."""
    outcomes = _all_outcomes(flowchart)
    split = {"share": 0, "do_not_share": 0, "neither": 0}
    for key, n in outcome_counts.items():
        outcome = outcomes.get(key)
        if outcome is not None and outcome.shares:
            split["share"] += n
        elif outcome is not None and _declines(outcome):
            split["do_not_share"] += n
        else:
            split["neither"] += n
    labels = {"share": "Share", "do_not_share": "Do not share", "neither": "No decision yet: further advice sought"}
    total = sum(split.values())
    groups = [(key, labels[key], n, "") for key, n in split.items() if n or key != "neither"]
    return _breakdown("Share and do-not-share decisions", groups, total,
                      note="Requests for information count with shares: both go ahead.")


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


def by_state(decisions: QuerySet, flowchart: Flowchart, variable: str, title: str) -> Breakdown:
    """The mix of one state variable's values (consent_status, harm_level), in the flowchart's order."""
    counts = _counts(decisions, KeyTextTransform(variable, "state"))
    order = list(flowchart.variables.get(variable) or ())
    known = [(v, _humanise(v), counts[v], "") for v in order if v in counts]
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


def dashboard_figures(user, wanted: RegisterFilter, flowchart: Flowchart, register_url=None) -> Figures:
    """Every figure for the decisions the register lists for `user` and `wanted`.

    `register_url(**params)`, if given, makes the register's URL for one group (an outcome, an
    agency) on top of the current filter, so a table row can open the decisions it counts.
    """
    register_url = register_url or (lambda **params: "")
    decisions = register_decisions(user, wanted).order_by()  # no ORDER BY in the GROUP BYs
    # A decision withdrawn before anything was shared was made in error: never a figure, even when the
    # register's filter asks for withdrawn ones (isg/approvals/withdrawal.py).
    decisions = decisions.exclude(status=Decision.Status.WITHDRAWN)
    outcomes, outcome_counts = by_outcome(decisions, flowchart, register_url)
    total = outcomes.total
    split = share_split(outcome_counts, flowchart)
    counted = {bar.key: bar.count for bar in split.bars}
    return Figures(
        total=total,
        by_outcome=outcomes,
        by_agency=by_agency(decisions, register_url),
        by_month=by_month(decisions),
        decisions=split,
        approval_times=approval_times(decisions),
        overdue=overdue_count(decisions),
        consent=by_state(decisions, flowchart, "consent_status", "Consent status"),
        harm=by_state(decisions, flowchart, "harm_level", "Harm level"),
        not_informing=not_informing_reasons(decisions, flowchart),
        rates={key: _percent(counted.get(key, 0), total) for key in ("share", "do_not_share")},
    )
