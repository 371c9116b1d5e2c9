"""Figures an auditor asks for: each says what it counts, shared / waiting / not approved / withdrawn
apart, time to approval per agency and approver, who shares with whom, overdue work, months, and
every linked figure opens the register on exactly the rows it counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.http import QueryDict
from django.utils import timezone

from isg.approvals import services as approvals
from isg.approvals.models import Approval
from isg.dashboard import services, views
from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart
from isg.followups.models import FollowUp
from isg.register.filters import LISTED_STATUSES, RegisterFilterForm
from tests.factories import make_decision, make_organisation, make_share

from .conftest import HOUR, at, client_for

pytestmark = pytest.mark.django_db


def figures(user, query: str = "") -> services.Figures:
    flowchart = current_flowchart()
    form = RegisterFilterForm(QueryDict(query), flowchart=flowchart)
    assert form.is_valid(), form.errors
    return services.dashboard_figures(user, form.register_filter(), flowchart, views._register_url(QueryDict(query)))


def bars(breakdown) -> dict:
    return {bar.key: bar.count for bar in breakdown.bars}


def not_approve(decision: Decision, manager) -> None:
    decision.refresh_from_db()
    approvals.decide(decision, manager, "not_approve", "Not proportionate", decision.revision,
                     review_date=datetime.date(2099, 1, 1))


@pytest.fixture
def refused(world) -> Decision:
    """A South limited share the manager did not approve, submitted in April 2026."""
    decision = make_decision(world.users["pat2"], "outcome_share_limited", submit=True, case_reference="S-6")
    Decision.objects.filter(pk=decision.pk).update(submitted_at=at(2026, 4, 20))
    not_approve(decision, world.users["manager2"])
    decision.refresh_from_db()
    assert decision.status == Decision.Status.NOT_APPROVED
    return decision


def test_shared_waiting_and_not_approved_are_counted_apart_and_add_up(world, refused):
    found = figures(world.users["lscb"])
    # Shared: 3 recorded consent shares and 5 approved shares. The two emergency shares wait for their
    # review; the do-not-share is neither; the refused limited share is not approved.
    assert bars(found.decisions) == {"shared": 8, "waiting": 2, "not_approved": 1, "other": 1}
    assert found.total == 12 == sum(bars(found.decisions).values())
    assert found.rates == {"shared": 67, "waiting": 17, "not_approved": 8}
    definitions = {bar.key: bar.definition for bar in found.decisions.bars}
    assert "approved" in definitions["shared"] and "waiting" in definitions["shared"]
    assert "did not approve" in definitions["not_approved"]
    assert all(definitions.values())


def test_every_status_is_counted_from_decision_status(world, refused):
    found = figures(world.users["lscb"])
    assert [bar.key for bar in found.statuses.bars] == [value for value, _ in LISTED_STATUSES]
    assert bars(found.statuses)["approved"] == 5 and bars(found.statuses)["awaiting_review"] == 2
    assert bars(found.statuses)["not_approved"] == 1 and bars(found.statuses)["recorded"] == 4
    assert found.statuses.total == found.listed == 12
    assert found.withdrawn == 0 and found.withdrawn_url == ""


def test_a_withdrawn_decision_is_counted_apart_never_in_the_figures(world):
    # North's do-not-share, withdrawn by its owner (isg/approvals/withdrawal.py) as submitted in error.
    gone = next(d for d in world.decisions.values() if d.outcome == "outcome_do_not_share")
    Decision.objects.filter(pk=gone.pk).update(status=Decision.Status.WITHDRAWN)
    found = figures(world.users["lscb"])
    assert (found.withdrawn, found.total, found.listed) == (1, 10, 11)
    assert found.withdrawn_url == "/register/?status=withdrawn"
    assert bars(found.statuses)["withdrawn"] == 1
    assert "outcome_do_not_share" not in bars(found.by_outcome)
    assert sum(bars(found.decisions).values()) == found.total
    # The register leaves withdrawn decisions out unless asked, so every group's link stays exact.
    assert all(bar.url for bar in found.by_agency.bars)
    # Asked for, they are listed: a figure then counts nothing and no group links to rows it leaves out.
    only = figures(world.users["lscb"], "status=withdrawn")
    assert (only.withdrawn, only.total) == (1, 0)


def test_time_to_approval_per_agency_and_per_approver(world):
    d = world.decisions
    # limited2 (North, 3 hours) was due after 2 hours; serious2 (South, 10 hours) after 8: both late.
    for name, hours in (("limited2", 2), ("serious2", 8)):
        Approval.objects.filter(decision=d[name]).update(due_at=d[name].submitted_at + datetime.timedelta(hours=hours))
    found = figures(world.users["lscb"])
    agency = {row.key: row for row in found.timeliness_by_agency.rows}
    # North: 1 and 3 hours. South: 2, 4 and 10 hours; p90 = 4 + 0.8 * (10 - 4) = 8.8 hours.
    assert (agency["north"].count, agency["north"].median_seconds, agency["north"].p90_seconds) == (
        2, pytest.approx(2 * HOUR), pytest.approx(2.8 * HOUR))
    assert (agency["south"].count, agency["south"].median, agency["south"].p90) == (3, "4 hours", "8 hours 48 minutes")
    assert (agency["north"].late, agency["north"].with_due, agency["north"].late_percent) == (1, 2, 50)
    assert (agency["south"].late, agency["south"].late_percent) == (1, 33)
    approver = {row.label: row for row in found.timeliness_by_approver.rows}
    assert set(approver) == {"manager", "manager2"}  # no full names: the username
    assert approver["manager2"].median_seconds == pytest.approx(4 * HOUR)
    assert approver["manager"].late == 1


def test_the_approvers_full_name_names_their_row(world):
    manager = world.users["manager"]
    manager.first_name, manager.last_name = "Morgan", "Reeve"
    manager.save()
    assert [row.label for row in figures(world.users["lscb"]).timeliness_by_approver.rows] == ["manager2", "Morgan Reeve"]


def test_who_shares_with_whom(world, refused):
    d = world.decisions
    state = dict(d["serious1"].state, recipient_kind="police")
    Decision.objects.filter(pk=d["serious1"].pk).update(state=state)
    matrix = figures(world.users["lscb"]).matrix
    assert [label for _, label in matrix.columns] == [
        "Social care", "Police", "Multi-agency meeting", "Another organisation or person"]
    rows = {row.key: [cell.count for cell in row.cells] for row in matrix.rows}
    # Only shares that went ahead: the waiting emergency shares (social care) and the refused share are out.
    assert rows == {"north": [0, 0, 0, 5], "south": [0, 1, 0, 2]}
    assert matrix.column_totals == (0, 1, 0, 7) and matrix.total == 8
    cells = {row.key: row.cells for row in matrix.rows}
    assert cells["south"][1].url == "/register/?agency=south&flag=recipient_kind%3Apolice&position=shared"
    # South's "other" recipients include the refused share: the link asks for the shared ones only.
    assert cells["south"][3].url == "/register/?agency=south&flag=recipient_kind%3Aother&position=shared"
    assert cells["south"][0].url == ""  # nothing counted, nothing to open
    assert "disclosure record" in services.sharing_matrix.__doc__


@pytest.fixture
def shares(world) -> dict:
    """Shares recorded after sharing: North's N-1 to children's social care twice and N-2 once; South's
    S-3 to social care and the police, S-5 to the police, S-4 to a charity named by the practitioner."""
    d = world.decisions
    orgs = {"care": make_organisation("Riverside Children's Social Care"),
            "police": make_organisation("Riverside Police", kind="police"),
            "school": make_organisation("Hill School", kind="school")}  # nothing shared with it
    for name, org in (("consent1", "care"), ("consent1", "care"), ("consent2", "care"), ("serious1", "care"),
                      ("serious1", "police"), ("limited_untold", "police")):
        make_share(d[name], organisation=orgs[org])
    make_share(d["serious2"], recipient_name="The Lantern Trust")
    return orgs


def test_who_shared_with_which_organisation_from_the_recorded_shares(world, refused, shares):
    matrix = figures(world.users["lscb"]).organisations
    assert matrix.columns == ((str(shares["care"].pk), "Riverside Children's Social Care"),
                              (str(shares["police"].pk), "Riverside Police"), ("another", "Another organisation (named)"))
    rows = {row.key: ([cell.count for cell in row.cells], row.total) for row in matrix.rows}
    # Decisions, not shares: N-1's two shares to social care count once; S-3 counts under both its organisations.
    assert rows == {"north": ([2, 0, 0], 2), "south": ([1, 2, 1], 3)}
    assert matrix.column_totals == (3, 2, 1) and matrix.total == 5
    assert "Decisions, not shares" in matrix.definition
    cells = {row.key: row.cells for row in matrix.rows}
    assert cells["south"][1].url == f"/register/?agency=south&shared-with={shares['police'].pk}"
    assert cells["south"][2].url == "/register/?agency=south&shared-with=another"
    assert cells["north"][1].url == ""  # nothing to list
    # Within the reader's filter: North only, and South's figures are gone.
    north = figures(world.users["lscb"], "agency=north").organisations
    assert [row.key for row in north.rows] == ["north"] and north.total == 2
    assert north.rows[0].cells[0].url == f"/register/?agency=north&shared-with={shares['care'].pk}"
    # The reader asked for decisions shared with the police: S-3 is also counted under social care,
    # but a link to social care would replace the reader's organisation and list other rows.
    police = figures(world.users["lscb"], f"shared-with={shares['police'].pk}").organisations
    assert {row.key: [c.count for c in row.cells] for row in police.rows} == {"south": [1, 2]}
    assert police.rows[0].cells[0].url == ""  # it would replace the reader's organisation: other rows


def test_no_recorded_share_is_an_empty_matrix_said_in_words(world, refused):
    client = client_for(world.users["lscb"])
    assert figures(world.users["lscb"]).organisations.is_empty
    assert "No share has been recorded for these decisions." in client.get("/dashboard/").content.decode()


def test_the_organisation_matrix_is_on_the_page(world, refused, shares):
    html = client_for(world.users["lscb"]).get("/dashboard/").content.decode()
    section = html[html.index('id="table-organisations"'):]
    section = section[:section.index("</section>")]
    assert "Who shared with which organisation" in section and "Riverside Police" in section
    assert f'href="/register/?agency=south&amp;shared-with={shares["police"].pk}">2<' in section


def test_monthly_trends(world, refused):
    trends = {t.label: t for t in figures(world.users["lscb"]).trends}
    assert list(trends) == ["January 2026", "February 2026", "March 2026", "April 2026"]
    counts = {label: (t.total.count, t.shared.count, t.not_approved.count, t.waiting.count) for label, t in trends.items()}
    assert counts == {"January 2026": (4, 4, 0, 0), "February 2026": (3, 1, 0, 1), "March 2026": (0, 0, 0, 0),
                      "April 2026": (5, 3, 1, 1)}
    assert trends["April 2026"].not_approved.url == (
        "/register/?from-day=1&from-month=4&from-year=2026&to-day=30&to-month=4&to-year=2026&position=not_approved")
    assert trends["April 2026"].shared.url == (
        "/register/?from-day=1&from-month=4&from-year=2026&to-day=30&to-month=4&to-year=2026&position=shared")


def test_overdue_follow_ups_and_approvals(world):
    d = world.decisions
    due = timezone.now() - datetime.timedelta(days=1)
    for name, completed in (("consent1", None), ("consent2", timezone.now()), ("serious1", None)):
        FollowUp.objects.create(decision=d[name], kind=FollowUp.Kind.REVIEW, due_at=due, created_by=world.users["pat"],
                                completed_at=completed)
    FollowUp.objects.create(decision=d["limited1"], kind=FollowUp.Kind.REVIEW, created_by=world.users["pat"],
                            due_at=timezone.now() + datetime.timedelta(days=1))
    found = figures(world.users["lscb"])
    assert (found.overdue_follow_ups, found.overdue) == (2, 1)
    assert found.overdue_url == "/register/?overdue=yes"
    north = figures(world.users["lscb"], "agency=north")
    assert (north.overdue_follow_ups, north.overdue) == (1, 0)


def test_a_link_that_would_replace_the_readers_filter_is_not_made(world, refused):
    found = figures(world.users["lscb"], "status=approved")
    # Not approved within "approved" is 0, and status=not_approved would list the refused share.
    assert {bar.key: bar.url for bar in found.decisions.bars}["not_approved"] == ""
    assert {bar.key: bar.url for bar in found.statuses.bars}["approved"] == "/register/?status=approved"


def linked_figures(found: services.Figures) -> list[tuple[str, int, str]]:
    """(what, count, url) for every figure the dashboard links."""
    out = []
    for breakdown in (found.by_outcome, found.by_agency, found.by_month, found.decisions, found.statuses,
                      found.consent, found.harm):
        out += [(f"{breakdown.title}: {bar.label}", bar.count, bar.url) for bar in breakdown.bars]
    for row in found.matrix.rows:
        out += [(f"matrix {row.label} {column}", cell.count, cell.url)
                for (column, _), cell in zip(found.matrix.columns, row.cells, strict=True)]
    for row in found.organisations.rows:
        out += [(f"organisations {row.label} {column}", cell.count, cell.url)
                for (_, column), cell in zip(found.organisations.columns, row.cells, strict=True)]
    for trend in found.trends:
        for part in ("total", "shared", "not_approved", "waiting"):
            cell = getattr(trend, part)
            out.append((f"{trend.label} {part}", cell.count, cell.url))
    out += [("overdue", found.overdue, found.overdue_url), ("withdrawn", found.withdrawn or 0, found.withdrawn_url)]
    return [item for item in out if item[2]]


def test_each_group_links_to_where_it_stands_in_the_register_within_the_readers_filter(world, refused):
    urls = {bar.key: bar.url for bar in figures(world.users["lscb"]).decisions.bars}
    assert urls == {"shared": "/register/?position=shared", "waiting": "/register/?position=waiting",
                    "not_approved": "/register/?position=not_approved", "other": "/register/?position=other"}
    within = figures(world.users["lscb"], "outcome=outcome_share_without_consent")
    urls = {bar.key: bar.url for bar in within.decisions.bars}
    assert urls["shared"] == "/register/?outcome=outcome_share_without_consent&position=shared"
    # Not a sharing outcome: nothing is shared, and nothing is linked.
    assert {bar.key: bar.url for bar in figures(world.users["lscb"], "outcome=outcome_do_not_share").decisions.bars}[
        "shared"] == ""
    # The reader chose one waiting state: the link keeps to it.
    urls = {bar.key: bar.url for bar in figures(world.users["lscb"], "status=awaiting_review").decisions.bars}
    assert urls["waiting"] == "/register/?status=awaiting_review&position=waiting"
    # ...and a reader's choice holding no waiting state gives no link (the figure is 0).
    assert {bar.key: bar.url for bar in figures(world.users["lscb"], "status=approved").decisions.bars}["waiting"] == ""


@pytest.mark.parametrize("query", ["", "agency=south", "status=approved", "from-day=1&from-month=2&from-year=2026",
                                   "flag=recipient_kind:other", "outcome=outcome_share_without_consent",
                                   "status=awaiting_review&status=approved", "outcome=outcome_emergency_share",
                                   "shared-with={police}", "shared-with={care}&shared-with=another&agency=south",
                                   "position=shared", "position=other&agency=north"])
def test_every_linked_figure_opens_the_register_on_exactly_its_rows(world, refused, shares, query):
    query = query.format(**{name: org.pk for name, org in shares.items()})
    d = world.decisions
    Decision.objects.filter(pk=d["serious1"].pk).update(state=dict(d["serious1"].state, recipient_kind="police"))
    client = client_for(world.users["lscb"])
    linked = linked_figures(figures(world.users["lscb"], query))
    assert len(linked) >= 3
    whats = {what for what, _, _ in linked}
    if not query:
        assert {what.split(":")[0] for what, _, _ in linked} >= {
            "Consent status", "Harm level", "Decisions by month submitted", "Decisions by outcome"}
        assert {f"Shared, waiting and not approved: {label}" for label in services.POSITION_LABELS.values()} <= whats
        assert any(what.endswith(" waiting") for what in whats) and any(what.endswith(" shared") for what in whats)
        assert any(what.startswith("matrix South") for what in whats)
    if not query or query.startswith("shared-with"):
        assert any(what.startswith("organisations South") for what in whats)
    if query in ("outcome=outcome_share_without_consent", "position=shared"):
        assert "Shared, waiting and not approved: Shared" in whats and any(w.endswith(" shared") for w in whats)
    for what, count, url in linked:
        html = client.get(url).content.decode()
        shown = re.search(r'id="register-count">(\d+) decisions? match', html)
        assert shown and int(shown.group(1)) == count, (what, url)
