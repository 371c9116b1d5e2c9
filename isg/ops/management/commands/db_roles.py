"""`manage.py db_roles [--app-role isg_app] [--maintenance-role isg_maintenance] [--apply | --check]`

PostgreSQL's roles for ISG (isg/ops/roles.py): the app's role may only INSERT and SELECT on the
append-only history tables; retention runs as a separate maintenance role.

- no option: print the idempotent SQL script (for a DBA to read and run with psql);
- --apply: run it on DATABASE_URL's database, in one transaction, as the tables' owner (after
  every `migrate`: new tables get their grants then);
- --check: say what the roles may do and exit 1 if either may do more (or less) than it should.
  The app role is DATABASE_URL's own unless --app-role is given; the maintenance role is
  ISG_MAINTENANCE_DATABASE_URL's unless --maintenance-role is given (not checked if neither is).

On SQLite, --apply and --check say there are no roles there and succeed.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

from isg.ops import roles


class Command(BaseCommand):
    help = "Print, apply or check the PostgreSQL roles: the app's (history: insert and read only) and maintenance's."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", help=f"The app's role (default {roles.APP_ROLE}; --check: DATABASE_URL's).")
        parser.add_argument(
            "--maintenance-role",
            help=f"Retention's role (default {roles.MAINTENANCE_ROLE}; --check: ISG_MAINTENANCE_DATABASE_URL's).",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--apply", action="store_true", help="Run the script on the database (as the tables' owner).")
        mode.add_argument("--check", action="store_true", help="Exit 1 if a role may do more or less than it should.")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        if not (options["apply"] or options["check"]):
            names = self._names(options)
            if connection.vendor != "postgresql":
                self.stdout.write(f"-- {roles.SQLITE_NOTE} The script for PostgreSQL:")
            self.stdout.write(roles.script(**names), ending="")
            return
        if connection.vendor != "postgresql":
            self.stdout.write(roles.SQLITE_NOTE)
            return
        if options["apply"]:
            names = self._names(options)
            missing = roles.apply(connection, **names)
            self.stdout.write(f"roles {names['app_role']} and {names['maintenance_role']}: grants applied")
            if missing:
                self.stdout.write(f"not migrated yet, so no grants: {', '.join(missing)} (run migrate, then this again)")
            return
        try:
            self._check(connection, options)
        except OperationalError as exc:
            raise CommandError(f"cannot check the roles: the database did not answer ({type(exc).__name__})") from exc

    def _names(self, options: dict[str, Any]) -> dict[str, str]:
        names = {
            "app_role": options["app_role"] or roles.APP_ROLE,
            "maintenance_role": options["maintenance_role"] or roles.MAINTENANCE_ROLE,
        }
        try:
            for name in names.values():
                roles.role_name(name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if names["app_role"] == names["maintenance_role"]:
            raise CommandError("the app and maintenance roles must differ: only maintenance may rewrite history")
        return names

    def _check(self, connection, options: dict[str, Any]) -> None:
        app = options["app_role"] or roles.current_role(connection)
        reports = [roles.check_role(connection, app)]
        maintenance = options["maintenance_role"] or self._maintenance_role()
        if maintenance:
            reports.append(roles.check_role(connection, maintenance, maintenance=True))
        for report in reports:
            (self.stdout if report.ok else self.stderr).write(str(report))
        if not maintenance:
            self.stdout.write(
                "maintenance role: ISG_MAINTENANCE_DATABASE_URL is not set here (set it for `retention apply` only)"
            )
        if not all(report.ok for report in reports):
            sys.exit(1)

    def _maintenance_role(self) -> str:
        url = getattr(settings, "ISG_MAINTENANCE_DATABASE_URL", "")
        if not url:
            return ""
        try:
            config = roles.maintenance_config(url, connections[DEFAULT_DB_ALIAS].settings_dict)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        return config.get("USER") or ""
