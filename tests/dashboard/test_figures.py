"""Each figure is right for a known set of decisions, and the register's filters change them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from isg.dashboard import services
from isg.flowchart.services import current_flowchart
from isg.register.filters import RegisterFilter, RegisterFilterForm

from .conftest import HOUR

pytestmark = pytest.mark.django_db


def figures(user, query: str = "") -> services.Figures:
    flowchart = current_flowchart()
    form = RegisterFilterForm(QueryDict(query), flowchart=flowchart)
    assert form.is_valid(), form.errors
    return services.dashboard_figures(user, form.register_filter(), flowchart)


def counts(breakdown: services.Breakdown) -> dict:
    return {bar.key: bar.count for bar in breakdown.bars}


def test_counts_by_outcome(world):
    found = figures(world.users["lscb"])
    assert found.total == 11
    assert counts(found.by_outcome) == {
        "outcome_share_with_consent": 3, "outcome_share_limited": 3, "outcome_emergency_share": 2,
        "outcome_share_without_consent": 2, "outcome_do_not_share": 1,
    }
    # Largest first, labelled with the flowchart's titles, percentages of the total.
    first = found.by_outcome.bars[0]
    assert (first.label, first.percent) == ("Share with consent", 27)
    assert found.by_outcome.total == 11


def test_counts_by_agency_and_month(world):
    found = figures(world.users["lscb"])
    assert counts(found.by_agency) == {"north": 6, "south": 5}
    assert [b.label for b in found.by_agency.bars] == ["North", "South"]
    # Every month from the first to the last, the empty one included, in order.
    assert [(b.label, b.count) for b in found.by_month.bars] == [
        ("January 2026", 4), ("February 2026", 3), ("March 2026", 0), ("April 2026", 4)]


def test_share_rate_counts_only_shares_that_went_ahead(world):
    found = figures(world.users["lscb"])
    # Ten decisions say share, but the two emergency shares still wait for their review.
    assert counts(found.decisions) == {"shared": 8, "waiting": 2, "not_approved": 0, "other": 1}
    assert found.rates == {"shared": 73, "waiting": 18, "not_approved": 0}


def test_time_to_approval_median_and_90th_percentile(world):
    times = figures(world.users["lscb"]).approval_times
    # Approved after 1, 2, 3, 4 and 10 hours: median 3 hours; p90 interpolates 4 + 0.6 * (10 - 4) = 7.6 hours.
    assert times.count == 5
    assert times.median_seconds == pytest.approx(3 * HOUR)
    assert times.p90_seconds == pytest.approx(7.6 * HOUR)
    assert (times.median, times.p90) == ("3 hours", "7 hours 36 minutes")


def test_overdue_retrospective_approvals(world):
    assert figures(world.users["lscb"]).overdue == 1


def test_consent_and_harm_mix_come_from_the_state(world):
    found = figures(world.users["lscb"])
    expected = {}
    for name, decision in world.decisions.items():
        if name != "draft":
            key = decision.state.get("consent_status") or ""
            expected[key] = expected.get(key, 0) + 1
    assert counts(found.consent) == expected
    assert counts(found.consent)["given"] == 3 and counts(found.consent)["refused"] == 3
    assert found.consent.total == 11
    harm = counts(found.harm)
    assert harm["serious"] == 2 and sum(harm.values()) == 11
    # A decision whose walk never set a value is counted, as "Not recorded".
    assert "Not recorded" in [b.label for b in found.harm.bars]


def test_reasons_for_not_informing(world):
    found = figures(world.users["lscb"]).not_informing
    assert counts(found) == {"increases_risk": 1, "cannot_contact": 1}
    assert found.total == 2
    assert found.bars[0].label.startswith("Telling them would increase the risk of harm")


@pytest.mark.parametrize(("query", "total", "outcomes"), [
    ("agency=north", 6, {"outcome_share_with_consent": 3, "outcome_share_limited": 2, "outcome_do_not_share": 1}),
    ("outcome=outcome_emergency_share", 2, {"outcome_emergency_share": 2}),
    ("emergency=yes", 2, {"outcome_emergency_share": 2}),
    ("overdue=yes", 1, {"outcome_emergency_share": 1}),
    ("from-day=1&from-month=4&from-year=2026", 4, {"outcome_emergency_share": 1, "outcome_share_without_consent": 2,
                                                     "outcome_share_limited": 1}),
    ("flag=consent_status:refused", 3, {"outcome_share_limited": 3}),
    ("status=approved", 5, {"outcome_share_limited": 3, "outcome_share_without_consent": 2}),
])
def test_filters_change_the_figures(world, query, total, outcomes):
    found = figures(world.users["lscb"], query)
    assert found.total == total
    assert counts(found.by_outcome) == outcomes


def test_a_filter_narrows_every_figure(world):
    north = figures(world.users["lscb"], "agency=north")
    assert counts(north.by_agency) == {"north": 6}
    assert north.rates == {"shared": 83, "waiting": 0, "not_approved": 0}
    assert (north.approval_times.count, north.approval_times.median_seconds) == (2, pytest.approx(2 * HOUR))
    assert north.overdue == 0
    assert counts(north.not_informing) == {"increases_risk": 1}
    assert [(b.label, b.count) for b in north.by_month.bars] == [("January 2026", 4), ("February 2026", 2)]


def test_no_matching_decisions_gives_empty_figures(world):
    found = figures(world.users["lscb"], "q=nothing-matches-this")
    assert found.is_empty and found.total == 0
    assert all(b.is_empty for b in (found.by_outcome, found.by_agency, found.by_month, found.consent,
                                    found.harm, found.not_informing))
    assert found.approval_times.count == 0 and found.approval_times.median == "None yet"
    assert found.rates == {"shared": 0, "waiting": 0, "not_approved": 0}
    assert not found.trends and found.matrix.is_empty and found.timeliness_by_agency.is_empty


def test_figures_are_a_fixed_number_of_queries(world):
    """Aggregates, not a query (or a Python loop) per decision: the count does not grow with the data."""
    user = world.users["lscb"]
    wanted = RegisterFilter()
    services.dashboard_figures(user, wanted, current_flowchart())  # warm the flowchart caches
    with CaptureQueriesContext(connection) as queries:
        services.dashboard_figures(user, wanted, current_flowchart())
    assert len(queries) <= 20, [q["sql"] for q in queries]  # 2 of them for the organisations' matrix
    if connection.vendor == "postgresql":  # the percentiles are computed by the database (overall, per agency, per approver)
        assert sum("percentile_cont" in q["sql"] for q in queries) == 3


def test_percentile_matches_percentile_cont():
    assert services.percentile([], 0.5) is None
    assert services.percentile([5.0], 0.9) == 5.0
    assert services.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert services.percentile([1.0, 2.0, 3.0, 4.0, 10.0], 0.9) == pytest.approx(7.6)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "None yet"), (20, "Less than a minute"), (40 * 60, "40 minutes"), (3600, "1 hour"),
    (5 * 3600 + 12 * 60, "5 hours 12 minutes"), (datetime.timedelta(days=2, hours=3).total_seconds(), "2 days 3 hours"),
])
def test_human_duration(seconds, text):
    assert services.human_duration(seconds) == text
