"""Database triggers that refuse UPDATE and DELETE on the append-only tables, per database vendor.

The audit chain's own table is one (migration audit 0002); the decision history and its
amendments are the others (migration decisions 0004). Each table gets two triggers named
`<prefix>_refuse_update` and `<prefix>_refuse_delete` (and on PostgreSQL a function
`<prefix>_refuse_change()`), refusing with the message "<table> is append-only".

On SQLite a later migration that rebuilds a table (most AlterField operations do) drops its
triggers: such a migration must call `<TABLE>.create(schema_editor.connection)` again. The tests
that check the triggers are installed (tests/audit/test_append_only.py,
tests/audit/test_decision_chain.py) catch a miss.

TRUNCATE is not refused on PostgreSQL: the test runner empties tables with it. In production the
application's role holds INSERT and SELECT only on these tables (reliability spec AT-4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppendOnlyTable:
    table: str
    prefix: str

    @property
    def message(self) -> str:
        return f"{self.table} is append-only"

    @property
    def names(self) -> set[str]:
        return {f"{self.prefix}_refuse_update", f"{self.prefix}_refuse_delete"}

    def _statements(self, connection, create: bool) -> list[str]:
        p, table = self.prefix, self.table
        if connection.vendor == "sqlite":
            if create:
                return [
                    f"CREATE TRIGGER IF NOT EXISTS {p}_refuse_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{self.message}'); END"
                    for op in ("UPDATE", "DELETE")
                ]
            return [f"DROP TRIGGER IF EXISTS {p}_refuse_update", f"DROP TRIGGER IF EXISTS {p}_refuse_delete"]
        if connection.vendor == "postgresql":
            if create:
                return [
                    f"""CREATE OR REPLACE FUNCTION {p}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{self.message}: % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END
    $$""",
                    *(
                        f"CREATE TRIGGER {p}_refuse_{op.lower()} BEFORE {op} ON {table} "
                        f"FOR EACH ROW EXECUTE FUNCTION {p}_refuse_change()"
                        for op in ("UPDATE", "DELETE")
                    ),
                ]
            return [
                f"DROP TRIGGER IF EXISTS {p}_refuse_update ON {table}",
                f"DROP TRIGGER IF EXISTS {p}_refuse_delete ON {table}",
                f"DROP FUNCTION IF EXISTS {p}_refuse_change()",
            ]
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")

    def create(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in self._statements(connection, create=True):
                cursor.execute(sql)

    def drop(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in self._statements(connection, create=False):
                cursor.execute(sql)

    def installed(self, connection) -> set[str]:
        """The names of this table's refusing triggers that are present."""
        if connection.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
        else:
            sql = "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.table])
            return {name for (name,) in cursor.fetchall()} & self.names


AUDIT_EVENTS = AppendOnlyTable("audit_auditevent", "audit")
DECISION_EVENTS = AppendOnlyTable("decisions_decisionevent", "decision_event")
AMENDMENTS = AppendOnlyTable("decisions_amendment", "amendment")
# Every append-only table, for the flush command (which must lift their triggers on SQLite).
ALL = (AUDIT_EVENTS, DECISION_EVENTS, AMENDMENTS)

# The audit table's triggers, as migration 0002 and the audit tests call them.
TABLE = AUDIT_EVENTS.table
MESSAGE = AUDIT_EVENTS.message


def create(connection) -> None:
    AUDIT_EVENTS.create(connection)


def drop(connection) -> None:
    AUDIT_EVENTS.drop(connection)


def installed(connection) -> set[str]:
    return AUDIT_EVENTS.installed(connection)
