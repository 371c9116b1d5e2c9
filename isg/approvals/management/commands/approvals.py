"""`manage.py approvals escalate-overdue`: escalate retrospective approvals waiting past their due time.

The same sweep runs as a task at each request's due time; this command catches any the worker
missed (it was stopped, say). Safe to run as often as wanted: each request escalates once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from isg.approvals.services import escalate_overdue


class Command(BaseCommand):
    help = "Approval housekeeping. escalate-overdue: flag and escalate overdue retrospective approvals."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["escalate-overdue"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = escalate_overdue()
        self.stdout.write(f"{count} overdue approval{'s' if count != 1 else ''} escalated")
