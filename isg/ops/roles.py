"""PostgreSQL roles: the app may only add to and read the history; retention rewrites it as another role.

Three roles share one database:

- the owner, whoever runs `manage.py migrate`: owns the tables; migrations and `db_roles --apply`
  run as it (it must be able to create roles and grant on the tables);
- the app role (`isg_app`; the servers' and the task worker's DATABASE_URL): SELECT, INSERT,
  UPDATE and DELETE on every table of the app except the append-only ones (isg.audit.triggers.ALL:
  the audit chain, the decision history, amendments), where it has SELECT and INSERT only; SELECT
  on django_migrations (for /readyz); its sequences;
- the maintenance role (`isg_maintenance`; ISG_MAINTENANCE_DATABASE_URL, for `retention apply`
  only): what the app role has, plus UPDATE of the retention columns of the decision history
  and amendments (`AppendOnlyTable.retention_columns`). No DELETE or TRUNCATE on any of them, and
  the triggers still refuse every other change (isg/audit/triggers.py).

`statements()` is an idempotent script: create the two roles if missing (LOGIN, no password: set
one with psql's `\\password`), revoke all they hold on the app's tables, then grant exactly the
above. Re-run it after every `migrate`: a new table gets its grants only then (`check_roles`
names any table the app cannot use). SQLite has no roles: there the triggers alone guard the
history, and the `db_roles` command says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import ConnectionHandler

from isg.audit import triggers

from .configuration import DATABASE_SCHEMES, database_config

APP_ROLE = "isg_app"
MAINTENANCE_ROLE = "isg_maintenance"
MIGRATIONS_TABLE = "django_migrations"
HISTORY = {table.table: table for table in triggers.ALL}
# Lower-case identifiers only: they are written into SQL unquoted.
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
SQLITE_NOTE = (
    "SQLite has no database roles: the triggers alone guard the history there. Roles are for PostgreSQL "
    "(isg/ops/roles.py)."
)


def role_name(name: str) -> str:
    """The name, if it is a plain lower-case PostgreSQL identifier; ValueError otherwise."""
    if not _ROLE_NAME.fullmatch(name):
        raise ValueError(f"role name {name!r}: use lower-case letters, digits and _ (at most 63)")
    return name


def app_tables() -> list[str]:
    """Every table the app's models use, history included, from the models (not the database)."""
    models = apps.get_models(include_auto_created=True)
    return sorted({m._meta.db_table for m in models if m._meta.managed and not m._meta.proxy and not m._meta.swapped})


def statements(*, app_role: str = APP_ROLE, maintenance_role: str = MAINTENANCE_ROLE,
               tables: Iterable[str] | None = None) -> list[str]:
    """The script that creates both roles (if missing) and gives each exactly its grants, for `tables`
    (default: every model's table; give the existing ones to apply it before every app is migrated)."""
    app, maintenance = role_name(app_role), role_name(maintenance_role)
    if app == maintenance:
        raise ValueError("the app and maintenance roles must differ: only maintenance may rewrite history")
    tables = sorted(set(app_tables() if tables is None else tables))
    history = [table for table in tables if table in HISTORY]
    ordinary = [table for table in tables if table not in HISTORY and table != MIGRATIONS_TABLE]
    both = f"{app}, {maintenance}"
    script = [
        *(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} LOGIN; END IF; END $$"
            for role in (app, maintenance)
        ),
        f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {both}', current_database()); END $$",
        f"DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO {both}', current_schema()); END $$",
        # Start from nothing (a table-level REVOKE takes column grants with it), so a re-run removes strays.
        f"REVOKE ALL ON TABLE {', '.join([*tables, MIGRATIONS_TABLE])} FROM {both}",
    ]
    if ordinary:
        script.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {', '.join(ordinary)} TO {both}")
    if history:
        script.append(f"GRANT SELECT, INSERT ON TABLE {', '.join(history)} TO {both}")
    script.append(f"GRANT SELECT ON TABLE {MIGRATIONS_TABLE} TO {both}")
    script += [
        f"GRANT UPDATE ({', '.join(HISTORY[table].retention_columns)}) ON TABLE {table} TO {maintenance}"
        for table in history if HISTORY[table].retention_columns
    ]
    script.append(
        f"DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {both}', "
        "current_schema()); END $$"
    )
    return script


def script(**roles: str) -> str:
    return "".join(f"{sql};\n" for sql in statements(**roles))


def apply(connection, *, app_role: str = APP_ROLE, maintenance_role: str = MAINTENANCE_ROLE) -> list[str]:
    """Run the script on `connection` (PostgreSQL, as the tables' owner) in one transaction, for the
    tables that exist; returns the model tables not there yet (run `migrate`, then this again)."""
    existing = set(connection.introspection.table_names())
    present = [table for table in app_tables() if table in existing]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements(app_role=app_role, maintenance_role=maintenance_role, tables=present):
            cursor.execute(sql)
    return [table for table in app_tables() if table not in existing]


# -- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleReport:
    label: str  # "app role isg_app" or "maintenance role isg_maintenance"
    problems: tuple[str, ...] = ()
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        if self.problems:
            return f"{self.label}: " + "; ".join(self.problems)
        return f"ok {self.label}: {self.summary}"


def check_role(connection, role: str, *, maintenance: bool = False) -> RoleReport:
    """What `role` may do to the app's tables, against what it should (see the module doc)."""
    label = f"{'maintenance' if maintenance else 'app'} role {role}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            return RoleReport(label, ("does not exist (manage.py db_roles --apply)",))
        if found[0]:
            return RoleReport(label, ("is a superuser: it can change or remove the history",))
        existing = set(connection.introspection.table_names(cursor))
        problems = [
            problem
            for table in app_tables() if table in existing
            for problem in _table_problems(cursor, role, table, maintenance)
        ]
    missing = [table for table in app_tables() if table not in existing]
    if missing:
        problems.append(f"tables not migrated yet: {', '.join(missing)}")
    summary = f"SELECT and INSERT only on {', '.join(HISTORY)}"
    if maintenance:
        summary += ", and UPDATE of " + ", ".join(
            f"{t.table}({', '.join(t.retention_columns)})" for t in triggers.ALL if t.retention_columns
        )
    return RoleReport(label, tuple(problems), summary + "; reads and writes the other tables")


def _table_problems(cursor, role: str, table: str, maintenance: bool) -> Iterator[str]:
    cursor.execute("SELECT tableowner = %s FROM pg_tables WHERE tablename = %s AND schemaname = current_schema()",
                   [role, table])
    owned = cursor.fetchone()
    if owned and owned[0]:
        yield f"owns {table}: it could drop the triggers"
        return
    held = _privileges(cursor, role, table)
    if table in HISTORY:
        columns = set(HISTORY[table].retention_columns) if maintenance else set()
        extra = sorted(held - {"SELECT", "INSERT"})
        if extra:
            yield f"may {' and '.join(extra)} {table} (append-only: SELECT and INSERT only)"
        updatable = _updatable_columns(cursor, role, table)
        if "UPDATE" not in extra and updatable - columns:
            yield f"may UPDATE {table}({', '.join(sorted(updatable - columns))})"
        if columns - updatable:
            yield f"may not UPDATE {table}({', '.join(sorted(columns - updatable))}), which retention rewrites"
        wanted = {"SELECT", "INSERT"}
    elif table == MIGRATIONS_TABLE:
        wanted = {"SELECT"}
    else:
        wanted = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    lacking = sorted(wanted - held)
    if lacking:
        yield f"may not {' or '.join(lacking)} {table} (run manage.py db_roles --apply after migrate)"


def _privileges(cursor, role: str, table: str) -> set[str]:
    kinds = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    cursor.execute(
        "SELECT " + ", ".join("has_table_privilege(%s, %s, %s)" for _ in kinds),
        [value for kind in kinds for value in (role, table, kind)],
    )
    return {kind for kind, held in zip(kinds, cursor.fetchone(), strict=True) if held}


def _updatable_columns(cursor, role: str, table: str) -> set[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "AND has_column_privilege(%s, attrelid, attnum, 'UPDATE')",
        [table, role],
    )
    return {name for (name,) in cursor.fetchall()}


def current_role(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


# -- the maintenance connection -----------------------------------------------------------------


def maintenance_config(url: str, default: dict) -> dict:
    """DATABASES settings for ISG_MAINTENANCE_DATABASE_URL: PostgreSQL, and the same database as
    `default` (the app's settings_dict) under another role. ImproperlyConfigured, one line, if not."""
    scheme = url.split(":", 1)[0].strip().lower()
    if DATABASE_SCHEMES.get(scheme) != "postgresql":
        raise ImproperlyConfigured("ISG_MAINTENANCE_DATABASE_URL must be a postgres:// URL (roles are PostgreSQL's)")
    if not default.get("ENGINE", "").endswith("postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_URL is not PostgreSQL, so there is no maintenance role: leave ISG_MAINTENANCE_DATABASE_URL unset"
        )
    try:
        config = database_config(url, default_sqlite_path=None)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(str(exc).replace("DATABASE_URL", "ISG_MAINTENANCE_DATABASE_URL", 1)) from None
    here = (config.get("NAME"), config.get("HOST") or "", str(config.get("PORT") or ""))
    there = (default.get("NAME"), default.get("HOST") or "", str(default.get("PORT") or ""))
    if here != there:
        raise ImproperlyConfigured(
            f"ISG_MAINTENANCE_DATABASE_URL names database {here[0]!r} on {here[1] or 'localhost'}:{here[2] or '5432'}, "
            f"but the app uses {there[0]!r} on {there[1] or 'localhost'}:{there[2] or '5432'}: it must be the same "
            "database, as another role"
        )
    return config


@contextmanager
def maintenance_connection(url: str | None = None) -> Iterator[str | None]:
    """Within the block, the default database is reached as the maintenance role, in this thread.

    `url` defaults to settings.ISG_MAINTENANCE_DATABASE_URL. Unset: nothing changes and the block
    runs as DATABASE_URL's role (SQLite, or a deployment without separate roles). Yields the role
    name in use, or None when unchanged. Code inside uses the default alias as usual (models,
    transaction.atomic, django.db.connection): it is swapped for a connection of its own, closed
    and swapped back on the way out. Not inside a transaction: it could not span two connections.
    """
    url = (getattr(settings, "ISG_MAINTENANCE_DATABASE_URL", "") if url is None else url).strip()
    original = connections[DEFAULT_DB_ALIAS]
    if not url:
        yield None
        return
    if original.in_atomic_block:
        raise RuntimeError("the maintenance connection cannot be opened inside a transaction")
    config = maintenance_config(url, original.settings_dict)
    replacement = ConnectionHandler({DEFAULT_DB_ALIAS: config})[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = replacement
    try:
        yield config.get("USER") or current_role(replacement)
    finally:
        replacement.close()
        connections[DEFAULT_DB_ALIAS] = original
