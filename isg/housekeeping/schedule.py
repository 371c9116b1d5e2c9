"""The housekeeping schedule, kept in code: which job runs when.

A job runs daily at a UK local time ("07:00" Europe/London, so it follows the clocks), or every N
minutes (N dividing a day; slots counted from midnight UTC). `Job.slot(now)` is the newest
scheduled time at or before `now`: the run that is due. A slot missed while no worker ran is
caught up once, by its newest slot (never a backlog of older ones).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Job:
    name: str
    target: str  # "module:function", imported when it runs; returns {"count name": int, ...}
    daily_at: datetime.time | None = None  # UK local time
    every_minutes: int | None = None
    about: str = ""

    def __post_init__(self) -> None:
        if (self.daily_at is None) == (self.every_minutes is None):
            raise ValueError(f"{self.name}: give daily_at or every_minutes, not both or neither")
        if self.every_minutes is not None and (self.every_minutes < 1 or 1440 % self.every_minutes):
            raise ValueError(f"{self.name}: every_minutes must divide a day (1440 minutes)")

    def slot(self, now: datetime.datetime) -> datetime.datetime:
        """The newest scheduled time at or before `now`, in UTC."""
        now = now.astimezone(datetime.UTC)
        if self.every_minutes is not None:
            minutes = now.hour * 60 + now.minute
            start = now.replace(hour=0, minute=0, second=0, microsecond=0)
            return start + datetime.timedelta(minutes=minutes - minutes % self.every_minutes)
        local_day = now.astimezone(UK).date()
        for day in (local_day, local_day - datetime.timedelta(days=1)):
            at = datetime.datetime.combine(day, self.daily_at, tzinfo=UK).astimezone(datetime.UTC)
            if at <= now:
                return at
        raise AssertionError("unreachable: yesterday's time is always past")

    def describe(self) -> str:
        when = (f"daily at {self.daily_at:%H:%M} UK time" if self.daily_at is not None
                else f"every {self.every_minutes} minutes")
        return f"{self.name}: {when}. {self.about}".strip()

    def function(self) -> Callable[[datetime.datetime], dict[str, int]]:
        module, name = self.target.split(":")
        return getattr(import_module(module), name)


def _daily(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


# In the order they run when several are due at once: away periods before the reminder that reads them.
JOBS: tuple[Job, ...] = (
    Job("escalate_overdue_approvals", "isg.housekeeping.jobs:escalate_overdue_approvals", every_minutes=5,
        about="Move each approval past its deadline to the next approver up (isg/approvals)."),
    Job("purge_expired_exports", "isg.housekeeping.jobs:purge_expired_exports", every_minutes=15,
        about="Delete export files past their expiry (isg/exports)."),
    Job("audit_anchor", "isg.housekeeping.jobs:audit_anchor", every_minutes=60,
        about="Sign the audit chain's head into the anchor file (isg/audit/anchors.py)."),
    Job("start_due_away_periods", "isg.housekeeping.jobs:start_due_away_periods", daily_at=_daily(0, 5),
        about="Who is away today; hand their waiting approvals over (isg/approvals/handover.py)."),
    Job("retention_apply", "isg.housekeeping.jobs:retention_apply", daily_at=_daily(2, 0),
        about="Anonymise decisions past their retention date (isg/retention)."),
    Job("sign_in_log_cleanup", "isg.housekeeping.jobs:sign_in_log_cleanup", daily_at=_daily(3, 0),
        about="Remove expired sign-in attempts and old sign-in failure logs (django-axes)."),
    Job("send_digests", "isg.housekeeping.jobs:send_digests", daily_at=_daily(7, 0),
        about="Email each person what is due from them today or overdue (isg/approvals/digest.py)."),
)


def job_named(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)
