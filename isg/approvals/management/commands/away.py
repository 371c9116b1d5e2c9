"""`manage.py away start-due [--date YYYY-MM-DD]`: the daily step for away periods (isg/accounts/away.py).

Sets everyone's "away today" from their away periods and hands on the approvals still waiting for
anyone away today (isg.approvals.handover.start_due_away_periods), so it lives here, above the
accounts. The housekeeping schedule runs it each day at 00:05 UK time (isg/housekeeping); running it
again changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from isg.approvals.handover import start_due_away_periods


class Command(BaseCommand):
    help = "Away periods: start-due sets who is away today and hands their waiting approvals over."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["start-due"])
        parser.add_argument("--date", help="The day to act for (YYYY-MM-DD); today by default.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError("Give the date as YYYY-MM-DD, for example 2026-12-01.") from None
        moved = start_due_away_periods(day)
        self.stdout.write(f"away periods for {day.isoformat()}: {moved} waiting approval{'s' if moved != 1 else ''} "
                          "handed over")
