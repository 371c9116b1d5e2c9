"""Away periods (isg/accounts/away.py): `is_away` is "away today", kept in step with them, so approvals
routing sees them; adding one that covers today hands approvals over; every change audited."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from isg.accounts.away import away_period_add, away_period_end
from isg.accounts.models import AwayPeriod, User
from isg.approvals.models import Approval
from isg.approvals.services import agency_managers, route_approver
from isg.audit.models import AuditEvent
from tests.factories import make_agency, make_manager, make_user
from tests.waiting import make_waiting_decision

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def team():
    agency = make_agency()
    deputy = make_manager(agency=agency, first_name="Dev")
    manager = make_manager(agency=agency, deputy=deputy, first_name="Margaret")
    pat = make_user(agency=agency, line_manager=manager)
    admin = make_user(role=User.Role.ADMIN, agency=None)
    return SimpleNamespace(agency=agency, deputy=deputy, manager=manager, pat=pat, admin=admin)


def test_a_period_from_today_makes_them_away_routes_round_them_and_hands_over(team):
    decision = make_waiting_decision(team.pat, team.manager)
    period = away_period_add(user=team.manager, starts_on=TODAY, ends_on=TODAY + 7 * DAY, reason="Annual leave",
                             set_by=team.admin)
    team.manager.refresh_from_db()
    assert team.manager.is_away and team.manager.is_away_on(TODAY) and not team.manager.is_away_on(TODAY + 8 * DAY)
    # What approvals routing reads (isg/approvals/services.py) sees the period.
    assert route_approver(team.pat) == (team.deputy, Approval.RoutedBy.DEPUTY)
    assert team.manager not in agency_managers(team.pat)
    assert Approval.objects.get(decision=decision).approver == team.deputy
    added = AuditEvent.objects.get(action="away_period_added")
    assert added.actor == team.admin and added.payload == {
        "period": period.pk, "starts_on": TODAY.isoformat(), "ends_on": (TODAY + 7 * DAY).isoformat(), "by": "admin"}
    assert "Annual" not in str(added.payload)  # the reason stays off the chain


def test_a_period_to_come_changes_nothing_today(team):
    decision = make_waiting_decision(team.pat, team.manager)
    away_period_add(user=team.manager, starts_on=TODAY + DAY, ends_on=None, reason="", set_by=team.manager)
    team.manager.refresh_from_db()
    assert not team.manager.is_away and team.manager.is_away_on(TODAY + 100 * DAY)
    assert Approval.objects.get(decision=decision).approver == team.manager
    assert AuditEvent.objects.get(action="away_period_added").payload["by"] == "self"


def test_ending_a_period_today_brings_them_back_and_calling_one_off_before_it_starts(team):
    now = away_period_add(user=team.manager, starts_on=TODAY, ends_on=TODAY + 5 * DAY, reason="", set_by=team.admin)
    later = away_period_add(user=team.manager, starts_on=TODAY + 10 * DAY, ends_on=TODAY + 12 * DAY, reason="",
                            set_by=team.admin)
    away_period_end(period=now, ended_by=team.admin)
    team.manager.refresh_from_db()
    assert not team.manager.is_away and route_approver(team.pat) == (team.manager, "line_manager")
    away_period_end(period=later, ended_by=team.manager)
    assert not team.manager.is_away_on(TODAY + 11 * DAY)
    assert list(team.manager.away_periods.current_or_coming(TODAY)) == []
    with pytest.raises(ValidationError, match="already over"):
        away_period_end(period=later, ended_by=team.admin)
    assert AuditEvent.objects.filter(action="away_period_ended").count() == 2
    assert AuditEvent.objects.filter(action__in=["away_began", "away_over"]).count() == 2


@pytest.mark.parametrize("starts_on, ends_on, reason, field, message", [
    (TODAY - DAY, None, "", "starts_on", "today or later"),
    (TODAY + 2 * DAY, TODAY + DAY, "", "ends_on", "same as or after the first day"),
    (TODAY, None, "x" * 101, "reason", "100 characters or fewer"),
    (TODAY, None, "Leave <b>", "reason", "markup"),
    (TODAY, None, "Leave\u202e", "reason", "text-direction"),
])
def test_bad_dates_and_reasons_are_refused(team, starts_on, ends_on, reason, field, message):
    with pytest.raises(ValidationError) as refused:
        away_period_add(user=team.manager, starts_on=starts_on, ends_on=ends_on, reason=reason, set_by=team.admin)
    assert message in " ".join(refused.value.message_dict[field])
    assert not AwayPeriod.objects.exists()


def test_overlapping_periods_are_refused(team):
    away_period_add(user=team.manager, starts_on=TODAY + DAY, ends_on=TODAY + 5 * DAY, reason="", set_by=team.admin)
    for starts_on, ends_on in [(TODAY, TODAY + DAY), (TODAY + 5 * DAY, None), (TODAY + 2 * DAY, TODAY + 3 * DAY)]:
        with pytest.raises(ValidationError, match="already away"):
            away_period_add(user=team.manager, starts_on=starts_on, ends_on=ends_on, reason="", set_by=team.admin)
    away_period_add(user=team.manager, starts_on=TODAY + 6 * DAY, ends_on=None, reason="", set_by=team.admin)


def test_only_active_line_managers_have_away_periods(team):
    for person in (team.pat, make_manager(agency=team.agency, is_active=False)):
        with pytest.raises(ValidationError, match="active line managers"):
            away_period_add(user=person, starts_on=TODAY, ends_on=None, reason="", set_by=team.admin)


def test_the_migration_gives_anyone_marked_away_by_hand_an_open_period(team):
    User.objects.filter(pk=team.manager.pk).update(is_away=True)
    migration = importlib.import_module("isg.accounts.migrations.0010_away_flags_become_periods")
    migration.periods_for_flags(apps, None)
    period = AwayPeriod.objects.get(user=team.manager)
    assert (period.starts_on, period.ends_on) == (TODAY, None)
    assert team.manager.is_away_on(TODAY + 365 * DAY)


def test_the_daily_command_runs_the_step(team):
    from io import StringIO

    from django.core.management import CommandError, call_command

    make_waiting_decision(team.pat, team.manager)
    AwayPeriod.objects.create(user=team.manager, starts_on=TODAY + DAY)
    out = StringIO()
    call_command("away", "start-due", "--date", (TODAY + DAY).isoformat(), stdout=out)
    assert out.getvalue().strip() == f"away periods for {(TODAY + DAY).isoformat()}: 1 waiting approval handed over"
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("away", "start-due", "--date", "tomorrow")
