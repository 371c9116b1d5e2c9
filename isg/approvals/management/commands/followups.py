"""`manage.py followups digest`: send today's reminder emails (one per person, once a day).

The housekeeping schedule (isg/housekeeping) runs the same every morning; this is for running it
by hand. Safe to run again: whoever already had today's reminder gets nothing more. The command is
here, with the reminder (isg/approvals/digest.py), because it lists approvals as well as follow-ups.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from isg.approvals.digest import send_digests


class Command(BaseCommand):
    help = "Follow-up housekeeping. digest: email each person what is due from them today or overdue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["digest"])

    def handle(self, *args: Any, **options: Any) -> None:
        summary = send_digests()
        self.stdout.write(
            f"{summary.sent} reminder{'s' if summary.sent != 1 else ''} sent; {summary.already} already sent today; "
            f"{summary.no_address} without an email address"
        )
