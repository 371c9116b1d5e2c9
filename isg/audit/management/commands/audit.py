"""`manage.py audit verify`: recompute the whole audit chain and name the first broken event."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from isg.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the tamper-evident audit history."
    requires_system_checks = []  # the history must be checkable even when, say, the flowchart file is broken

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify",
            help="Recompute every event's hash and link in seq order; exit 1 naming the first broken event.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            self.stderr.write(str(report))
            sys.exit(1)
        self.stdout.write(str(report))
