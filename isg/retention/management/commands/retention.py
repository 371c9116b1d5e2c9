"""`manage.py retention apply [--dry-run] [--authorised-by USERNAME]`: run the retention schedule.

Anonymises every decision past its retention date (isg/retention/services.py) and reports the
count per outcome. `--dry-run` writes nothing and says what it would do. `schedule` prints the
rules in force. Safe to run daily: a decision already anonymised is left as it is.

On PostgreSQL the app's own role may not rewrite the history (isg/ops/roles.py): `apply` connects
as the maintenance role given by ISG_MAINTENANCE_DATABASE_URL, and without it runs as DATABASE_URL's
role, which then says "permission denied" (reported as such, with what to set).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import ProgrammingError, connection

from isg.ops.roles import current_role, maintenance_connection
from isg.retention import services
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

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            schedule = load_schedule()
        except ScheduleError as exc:
            raise CommandError(str(exc)) from exc
        if action == "schedule":
            for rule in schedule.rules:
                self.stdout.write(rule.describe())
            return
        try:
            with maintenance_connection():
                result = self._apply(schedule, options)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report(result))

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
             f" {result.already} past their date were already anonymised."]
    lines += [f"  {outcome}: {count}" for outcome, count in sorted(result.anonymised.items())]
    return "\n".join(lines)
