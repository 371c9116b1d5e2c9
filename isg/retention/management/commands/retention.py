"""`manage.py retention apply [--dry-run] [--authorised-by USERNAME]`: run the retention schedule.

Anonymises every decision past its retention date (isg/retention/services.py) and reports the
count per outcome. `--dry-run` writes nothing and says what it would do. `schedule` prints the
rules in force. Safe to run daily: a decision already anonymised is left as it is.

`hold DECISION --by USERNAME --reason CODE` places a legal hold (retention then never anonymises
the decision), `release DECISION --by USERNAME` ends it, `holds` lists those in force. DECISION is
the decision's public id (as in its address); USERNAME a data protection officer or administrator.

On PostgreSQL the app's own role may not rewrite the history (isg/ops/roles.py): `apply` connects
as the maintenance role given by ISG_MAINTENANCE_DATABASE_URL, and without it runs as DATABASE_URL's
role, which then says "permission denied" (reported as such, with what to set).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import ProgrammingError, connection

from isg.decisions.models import Decision
from isg.ops.roles import current_role, maintenance_connection
from isg.retention import holds, services
from isg.retention.models import LegalHold
from isg.retention.schedule import ScheduleError, load_schedule

INSUFFICIENT_PRIVILEGE = "42501"


class Command(BaseCommand):
    help = "Apply the retention schedule (settings.ISG_RETENTION): anonymise decisions past their date."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="Anonymise every decision past its retention date.")
        apply.add_argument("--dry-run", action="store_true", help="Change nothing; say what would be done.")
        apply.add_argument(
            "--authorised-by", metavar="USERNAME",
            help="The person who authorised this run, named in the tombstones (default: the scheduled job).",
        )
        sub.add_parser("schedule", help="Print the retention rules in force.")
        hold = sub.add_parser("hold", help="Place a legal hold on a decision: retention leaves it whole.")
        hold.add_argument("decision", help="The decision's public id (as in its address).")
        hold.add_argument("--by", required=True, metavar="USERNAME", help="The data protection officer or administrator.")
        hold.add_argument("--reason", required=True, choices=LegalHold.Reason.values)
        release = sub.add_parser("release", help="Release a decision's legal hold.")
        release.add_argument("decision", help="The decision's public id (as in its address).")
        release.add_argument("--by", required=True, metavar="USERNAME", help="The data protection officer or administrator.")
        sub.add_parser("holds", help="List the legal holds in force.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            schedule = load_schedule()
        except ScheduleError as exc:
            raise CommandError(str(exc)) from exc
        if action == "schedule":
            for rule in schedule.rules:
                self.stdout.write(rule.describe())
            return
        if action in ("hold", "release", "holds"):
            self._holds(action, options)
            return
        try:
            with maintenance_connection():
                result = self._apply(schedule, options)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report(result))

    def _holds(self, action: str, options: dict[str, Any]) -> None:
        if action == "holds":
            for hold in LegalHold.objects.in_force().select_related("decision").order_by("placed_at"):
                self.stdout.write(f"{hold.decision.public_id} {hold.reason} since {hold.placed_at:%Y-%m-%d}")
            return
        User = get_user_model()
        try:
            actor = User.objects.get_by_natural_key(options["by"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {options['by']!r}") from exc
        try:
            decision = Decision.objects.get(public_id=uuid.UUID(options["decision"]))
        except (ValueError, Decision.DoesNotExist) as exc:
            raise CommandError(f"no decision {options['decision']!r}") from exc
        try:
            if action == "hold":
                holds.place(decision, actor, reason=options["reason"])
                self.stdout.write(f"Legal hold placed on {decision.public_id}: retention will leave it whole.")
            else:
                holds.release(decision, actor)
                self.stdout.write(f"Legal hold on {decision.public_id} released.")
        except holds.NotAllowed as exc:
            raise CommandError("only a data protection officer or an administrator may place or release a legal hold") from exc
        except holds.AlreadyHeld as exc:
            raise CommandError("that decision is already under a legal hold") from exc
        except holds.NotHeld as exc:
            raise CommandError("that decision is not under a legal hold") from exc

    def _apply(self, schedule, options: dict[str, Any]) -> services.Result:
        actor = None
        if options.get("authorised_by"):
            try:
                actor = get_user_model().objects.get_by_natural_key(options["authorised_by"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no user {options['authorised_by']!r}") from exc
        try:
            return services.apply(dry_run=options["dry_run"], actor=actor, schedule=schedule)
        except ProgrammingError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            # The decision's own transaction was rolled back: nothing of it is half done.
            raise CommandError(
                f"the database role {current_role(connection)} may not rewrite the history "
                f"({str(exc).splitlines()[0]}): run retention as the maintenance role, "
                "ISG_MAINTENANCE_DATABASE_URL (manage.py db_roles; README, \"Database roles\")"
            ) from exc


def report(result: services.Result) -> str:
    verb = "would anonymise" if result.dry_run else "anonymised"
    lines = [f"Retention{' (dry run: nothing changed)' if result.dry_run else ''}: {verb} {result.total} decisions"
             f" ({result.events} history events, {result.amendments} amendments);"
             f" {result.already} past their date were already anonymised;"
             f" {result.held} kept under a legal hold; {result.still_open} kept because still open."]
    lines += [f"  {outcome}: {count}" for outcome, count in sorted(result.anonymised.items())]
    return "\n".join(lines)
