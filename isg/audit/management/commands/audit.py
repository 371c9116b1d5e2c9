"""`manage.py audit verify [--anchors PATH] [--anchored-before TIME]` and `manage.py audit anchor`.

verify: recompute the whole audit chain and name the first broken event; check every record chained
by digest against its entries (today the decision history: isg.decisions.history.verify_events),
each row chained exactly once, unchanged, in order; then check the chain against the signed
anchors in the anchor file (isg/audit/anchors.py), so a rewritten chain, deleted newest events or
a forged anchor are caught too. Exit 1 naming what is wrong.

anchor: sign the chain's head and append it to the anchor file (and the log).
"""

from __future__ import annotations

import sys
from argparse import ArgumentTypeError
from datetime import datetime
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
        verify.add_argument(
            "--anchored-before", metavar="TIME", type=_utc_time,
            help="Only anchors signed before TIME (ISO 8601, e.g. 2026-11-30T02:00:00Z, or 20261130T020000Z as in a "
            "backup's name) must be held by the chain: for a restored backup taken then. Every line's signature "
            "is still checked.",
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
            check_anchors(path=options.get("anchors"), before=options.get("anchored_before")),
        ]
        broken = [report for report in reports if not report.ok]
        if broken:
            # Only what is wrong, first the chain itself: a broken chain makes the rest doubtful.
            self.stderr.write("\n".join(str(report) for report in broken))
            sys.exit(1)
        self.stdout.write("\n".join(str(report) for report in reports))


def _utc_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not an ISO 8601 time such as 2026-11-30T02:00:00Z") from None
    if moment.tzinfo is None:
        raise ArgumentTypeError(f"{value!r} has no time zone: end it with Z for UTC")
    return moment
