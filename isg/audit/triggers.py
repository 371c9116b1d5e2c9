"""Database triggers that refuse UPDATE and DELETE on the event table, per database vendor.

Used by migration 0002 (and by tests that play the attacker). On SQLite a later migration that
rebuilds the table (most AlterField operations do) drops its triggers: such a migration must
call `create(schema_editor.connection)` again. tests/audit/test_triggers.py catches a miss.

TRUNCATE is not refused on PostgreSQL: the test runner empties tables with it. In production the
application's role holds INSERT and SELECT only on the table (reliability spec AT-4).
"""

from __future__ import annotations

TABLE = "audit_auditevent"
MESSAGE = "audit_auditevent is append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_refuse_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_refuse_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_refuse_update", "DROP TRIGGER IF EXISTS audit_refuse_delete"]

_POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
    f"CREATE TRIGGER audit_refuse_update BEFORE UPDATE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    f"CREATE TRIGGER audit_refuse_delete BEFORE DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_refuse_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_refuse_delete ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

_SQL = {"sqlite": (_SQLITE_CREATE, _SQLITE_DROP), "postgresql": (_POSTGRES_CREATE, _POSTGRES_DROP)}


def _statements(connection, which: int) -> list[str]:
    try:
        return _SQL[connection.vendor][which]
    except KeyError:
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}") from None


def create(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, 0):
            cursor.execute(sql)


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection, 1):
            cursor.execute(sql)


def installed(connection) -> set[str]:
    """The names of the refusing triggers present on the event table."""
    if connection.vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
    with connection.cursor() as cursor:
        cursor.execute(sql, [TABLE])
        return {name for (name,) in cursor.fetchall()} & {"audit_refuse_update", "audit_refuse_delete"}
