"""When an approval is due: the end of a working day, in UK local time, bank holidays excluded.

Before sharing, the approver decides the same working day; after sharing, they review it the
same working day, or the next if it was shared out of hours (flowchart.md 8.1). Both come to the
same rule: the end of the first working day that has not ended yet when it is asked, plus
ISG_APPROVAL_EXTRA_WORKING_DAYS. Asked at 07:00 on a Monday, that is Monday 17:00; at 19:00, Tuesday
17:00; on a Saturday or a bank holiday, the next working day's end.
"""

from __future__ import annotations

import datetime
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings


def _clock(value: str) -> datetime.time:
    hours, _, minutes = value.partition(":")
    return datetime.time(int(hours), int(minutes or 0))


@cache
def _bank_holidays(area: str, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("GB", subdiv=area, years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(settings.ISG_BANK_HOLIDAYS_AREA, day.year)


def _local() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, _clock(settings.ISG_WORKING_DAY_END), tzinfo=_local())


def next_working_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def due_by(asked_at: datetime.datetime, *, extra_days: int | None = None) -> datetime.datetime:
    """The end of the first working day not yet over at `asked_at`, plus the configured extra days."""
    local = asked_at.astimezone(_local())
    day = local.date()
    if not is_working_day(day) or local >= end_of(day):
        day = next_working_day(day)
    for _ in range(settings.ISG_APPROVAL_EXTRA_WORKING_DAYS if extra_days is None else extra_days):
        day = next_working_day(day)
    return end_of(day)


def is_out_of_hours(at: datetime.datetime) -> bool:
    local = at.astimezone(_local())
    start, end = _clock(settings.ISG_WORKING_DAY_START), _clock(settings.ISG_WORKING_DAY_END)
    return not is_working_day(local.date()) or not start <= local.time() < end
