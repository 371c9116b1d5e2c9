"""The schedule: years after submission per outcome, calendar arithmetic at the edges, bad settings refused."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from isg.decisions.models import Decision
from isg.retention import services
from isg.retention.checks import retention_schedule_is_valid
from isg.retention.schedule import ScheduleError, add_years, load_schedule, parse

from .conftest import CANARY, everything_about, submitted

LONDON = ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def test_a_rule_per_outcome_and_a_default():
    schedule = parse({"default": 7, "outcome_do_not_share": 2})
    assert schedule.rule_for("outcome_do_not_share").years == 2
    assert schedule.rule_for("outcome_share_with_consent").years == 7
    assert schedule.rule_for("").key == "default"


@pytest.mark.parametrize("value", [
    {}, {"outcome_do_not_share": 2}, {"default": 0}, {"default": "7"}, {"default": 7, "do_not_share": 2},
    {"default": 7, "outcome_x": 2.5}, {"default": True}, [("default", 7)],
])
def test_a_bad_schedule_is_refused(value, settings):
    with pytest.raises(ScheduleError):
        parse(value)
    settings.ISG_RETENTION = value
    # The check itself, not every check: some (JSONField support) need a database connection.
    assert [m.id for m in retention_schedule_is_valid()] == ["isg.retention.E001"]


def test_the_settings_schedule_passes_the_check():
    assert load_schedule().default.years >= 1
    assert retention_schedule_is_valid() == []


def test_29_february_is_kept_until_1_march_never_a_day_early():
    assert add_years(at(2024, 2, 29, 10, 30), 1) == at(2025, 3, 1, 10, 30)
    assert add_years(at(2024, 2, 29, 10, 30), 4) == at(2028, 2, 29, 10, 30)


def test_the_same_wall_clock_time_across_a_clock_change():
    # Submitted in summer time (BST, UTC+1), due in winter time (GMT): same local time, other offset.
    due = add_years(at(2019, 10, 27, 0, 30), 1)  # 27 Oct 2020 00:30 GMT
    assert (due.astimezone(LONDON).hour, due.astimezone(LONDON).minute) == (0, 30)
    assert due.utcoffset() == datetime.timedelta(0)
    assert add_years(at(2019, 10, 27, 0, 30), 0).utcoffset() == datetime.timedelta(hours=1)


@pytest.mark.django_db
def test_due_the_moment_the_date_passes_not_a_day_before(settings):
    from tests.factories import make_user

    settings.ISG_RETENTION = {"default": 7, "outcome_do_not_share": 2}
    owner = make_user()
    decision = submitted(owner, "outcome_do_not_share", case_reference=f"{CANARY}-edge", years_ago=0)
    when = at(2024, 2, 29, 12, 0)
    Decision.objects.filter(pk=decision.pk).update(submitted_at=when)
    until = at(2026, 3, 1, 12, 0)

    day_before = services.apply(until - datetime.timedelta(days=1), dry_run=True)
    assert day_before.total == 0
    just_before = services.apply(until - datetime.timedelta(seconds=1), dry_run=True)
    assert just_before.total == 0
    assert CANARY in everything_about(decision)
    on_the_day = services.apply(until)
    assert on_the_day.total == 1 and CANARY not in everything_about(decision)
    [tombstone] = services.tombstones_for(decision)
    assert tombstone.payload["retain_until"] == until.isoformat()
    assert timezone.localtime(timezone.now()) > until  # sanity: the fixture date is in the past


@pytest.mark.django_db
def test_the_schedule_command_prints_the_rules(settings):
    settings.ISG_RETENTION = {"default": 7, "outcome_do_not_share": 2}
    out = io.StringIO()
    call_command("retention", "schedule", stdout=out)
    assert out.getvalue().splitlines() == ["default: 7 years after submission", "outcome_do_not_share: 2 years after submission"]
