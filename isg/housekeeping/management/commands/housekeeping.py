"""`manage.py housekeeping run-due | schedule | recent`: the schedule the task worker keeps.

`run-due` runs every job whose slot is due and not yet run (the worker does this each minute; safe
to run beside it: a slot runs once). `schedule` prints the jobs and when they run. `recent` lists
the newest runs with their counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from isg.housekeeping.models import Run
from isg.housekeeping.schedule import JOBS
from isg.housekeeping.services import run_due


class Command(BaseCommand):
    help = "Scheduled housekeeping. run-due: run what is due now; schedule: list the jobs; recent: the last runs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["run-due", "schedule", "recent"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "schedule":
            for job in JOBS:
                self.stdout.write(job.describe())
        elif action == "recent":
            for run in Run.objects.order_by("-started_at", "-pk")[:30]:
                self.stdout.write(f"{run} {run.outcome} {run.error or run.counts}")
        else:
            runs = run_due()
            for run in runs:
                self.stdout.write(f"{run.job}: {run.outcome} {run.error or run.counts}")
            self.stdout.write(f"{len(runs)} job{'s' if len(runs) != 1 else ''} run")
