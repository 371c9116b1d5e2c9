"""The retention schedule, read from settings.ISG_RETENTION.

    ISG_RETENTION = {"default": 7, "outcome_do_not_share": 2}

Years after the decision was submitted, per outcome id; "default" for every outcome not named.
Calendar years in the site's time zone: a decision submitted at 10:30 on 3 April 2020 is kept
until 10:30 on 3 April 2027. One submitted on 29 February is kept until 1 March of the year it
falls due (never a day early); the time is the same wall-clock time, across clock changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

DEFAULT = "default"


class ScheduleError(ValueError):
    """ISG_RETENTION is not a schedule this module can apply."""


@dataclass(frozen=True)
class Rule:
    key: str  # the outcome id, or "default"
    years: int

    def retain_until(self, submitted_at: datetime) -> datetime:
        return add_years(submitted_at, self.years)

    def describe(self) -> str:
        return f"{self.key}: {self.years} years after submission"


@dataclass(frozen=True)
class Schedule:
    default: Rule
    outcomes: Mapping[str, Rule]

    def rule_for(self, outcome: str) -> Rule:
        return self.outcomes.get(outcome, self.default)

    @property
    def rules(self) -> list[Rule]:
        return [self.default, *self.outcomes.values()]

    def earliest_submission_due(self, now: datetime) -> datetime:
        """No decision submitted after this is due under any rule (the shortest rule's cut-off)."""
        return add_years(now, -min(rule.years for rule in self.rules))


def parse(value: object) -> Schedule:
    """A Schedule from the setting's value, or ScheduleError saying what is wrong."""
    if not isinstance(value, Mapping) or DEFAULT not in value:
        raise ScheduleError('ISG_RETENTION must be a mapping with a "default" number of years')
    rules = {}
    for key, years in value.items():
        if not isinstance(key, str) or (key != DEFAULT and not key.startswith("outcome_")):
            raise ScheduleError(f'ISG_RETENTION key {key!r} is neither "default" nor an outcome id (outcome_...)')
        if isinstance(years, bool) or not isinstance(years, int) or years < 1:
            raise ScheduleError(f"ISG_RETENTION[{key!r}] must be a whole number of years, at least 1")
        rules[key] = Rule(key, years)
    default = rules.pop(DEFAULT)
    return Schedule(default=default, outcomes=rules)


def load_schedule() -> Schedule:
    return parse(getattr(settings, "ISG_RETENTION", {DEFAULT: 7}))


def add_years(moment: datetime, years: int) -> datetime:
    """The same wall-clock time `years` later (or earlier) in the site's zone; 29 February -> 1 March."""
    local = timezone.localtime(moment)
    year = local.year + years
    try:
        shifted = local.replace(year=year)
    except ValueError:  # 29 February in a year without one
        shifted = local.replace(year=year, month=3, day=1)
    # Re-attach the zone for the new date: the offset differs if the clock changed in between.
    return timezone.make_aware(shifted.replace(tzinfo=None), local.tzinfo)
