"""`manage.py audit verify [--anchors PATH]` and `manage.py audit anchor`.

verify: recompute the whole audit chain and name the first broken event; check every record chained
by digest against its entries (today the decision history: isg.decisions.history.verify_events),
each row chained exactly once, unchanged, in order; then check the chain against the signed
anchors in the anchor file (isg/audit/anchors.py), so a rewritten chain, deleted newest events or
a forged anchor are caught too. Exit 1 naming what is wrong.

anchor: sign the chain's head and append it to the anchor file (and the log).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from isg.audit.anchors import AnchorError, check_anchors, write_anchor
from isg.audit.services import verify_chain

# Checks of the tables whose rows the chain holds digests of; each returns a report with `ok`.
RECORD_CHECKS = ("isg.decisions.history.verify_events",)


class Command(BaseCommand):
    help = "Check the tamper-evident audit history, or anchor its head outside the database."
    requires_system_checks = []  # the history must be checkable even when, say, the flowchart file is broken

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Recompute every event's hash and link in seq order, check each decision event against "
            "its chained digest, then check the chain against the signed anchors; exit 1 naming what is wrong.",
        )
        verify.add_argument(
            "--anchors", metavar="PATH", type=Path,
            help="The anchor file to check against (default: ISG_AUDIT_ANCHOR_PATH).",
        )
        sub.add_parser(
            "anchor",
            help="Sign the chain's head with ISG_AUDIT_ANCHOR_KEY and append it to ISG_AUDIT_ANCHOR_PATH and the log.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "anchor":
            try:
                anchor = write_anchor()
            except AnchorError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"anchored {anchor.events} events (last id {anchor.last_id}), head {anchor.head[:16]}, "
                f"at {anchor.anchored_at}"
            )
            return
        reports = [
            verify_chain(),
            *(import_string(check)() for check in RECORD_CHECKS),
            check_anchors(path=options.get("anchors")),
        ]
        broken = [report for report in reports if not report.ok]
        if broken:
            # Only what is wrong, first the chain itself: a broken chain makes the rest doubtful.
            self.stderr.write("\n".join(str(report) for report in broken))
            sys.exit(1)
        self.stdout.write("\n".join(str(report) for report in reports))
