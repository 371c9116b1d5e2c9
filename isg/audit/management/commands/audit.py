"""`manage.py audit verify`: recompute the whole audit chain and name the first broken event.

Then check every record chained by digest against its entries (today the decision history:
isg.decisions.history.verify_events): each row chained exactly once, unchanged, in order.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from isg.audit.services import verify_chain

# Checks of the tables whose rows the chain holds digests of; each returns a report with `ok`.
RECORD_CHECKS = ("isg.decisions.history.verify_events",)


class Command(BaseCommand):
    help = "Check the tamper-evident audit history."
    requires_system_checks = []  # the history must be checkable even when, say, the flowchart file is broken

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify",
            help="Recompute every event's hash and link in seq order, then check each decision event against "
            "its chained digest; exit 1 naming the first broken event.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        reports = [verify_chain(), *(import_string(check)() for check in RECORD_CHECKS)]
        broken = [report for report in reports if not report.ok]
        if broken:
            # Only what is wrong, first the chain itself: a broken chain makes the rest doubtful.
            self.stderr.write("\n".join(str(report) for report in broken))
            sys.exit(1)
        self.stdout.write("\n".join(str(report) for report in reports))
