"""Database triggers that refuse UPDATE and DELETE on the append-only tables, per database vendor.

The audit chain's own table is one (migration audit 0002); the decision history and its
amendments are the others (migration decisions 0004). Each table gets two triggers named
`<prefix>_refuse_update` and `<prefix>_refuse_delete` (and on PostgreSQL a function
`<prefix>_refuse_change()`), refusing with the message "<table> is append-only".

On SQLite a later migration that rebuilds a table (most AlterField operations do) drops its
triggers: such a migration must call `<TABLE>.create(schema_editor.connection)` again. The tests
that check the triggers are installed (tests/audit/test_append_only.py,
tests/audit/test_decision_chain.py) catch a miss.

On PostgreSQL each table also gets a statement-level trigger `<prefix>_refuse_truncate` (function
`<prefix>_refuse_truncate()`, migration audit 0003), since TRUNCATE skips row triggers; it stops
even the tables' owner. SQLite has no TRUNCATE: its `DELETE FROM <table>` fires the row trigger.
The test runner empties tables between tests with TRUNCATE: isg/audit's `flush` command lifts
these triggers for the flush and puts them back in the same transaction. In production the
application's role holds INSERT and SELECT only on these tables (reliability spec AT-4; the
grants are `manage.py db_roles`, isg/ops/roles.py).

Retention (isg/retention) is the one writer allowed to UPDATE the decision history and the
amendments, and only their free-text columns (`retention_columns`), only inside its own
transaction, through `retention_updates(connection)`: on PostgreSQL the trigger lets such an
UPDATE through while the transaction-local setting `isg.retention` is 'on' (SET LOCAL) and every
other column is unchanged; on SQLite, which has no session settings, the UPDATE trigger is
swapped inside the transaction for one that refuses only the other columns (`UPDATE OF ...`) and
put back before the transaction ends. DELETE is refused in every case, and the audit table has no
retention columns at all. The change retention makes is then chained as a `retention_tombstone`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AppendOnlyTable:
    table: str
    prefix: str
    # The only columns retention may rewrite (see the module doc); empty: none, ever.
    retention_columns: tuple[str, ...] = ()

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
    BEGIN{self._pg_retention_clause()}
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

    def _pg_retention_clause(self) -> str:
        if not self.retention_columns:
            return ""
        kept = ", ".join(f"'{column}'" for column in self.retention_columns)
        # Every column but the retention ones must stay as it was: ids, kinds, times, authors.
        return f"""
        IF TG_OP = 'UPDATE' AND coalesce(current_setting('isg.retention', true), '') = 'on'
           AND (to_jsonb(NEW) - ARRAY[{kept}]) = (to_jsonb(OLD) - ARRAY[{kept}]) THEN
            RETURN NEW;
        END IF;"""

    def create(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in self._statements(connection, create=True):
                cursor.execute(sql)

    def without_retention(self) -> AppendOnlyTable:
        """The same table refusing every UPDATE (what migration decisions 0004 first installed)."""
        return replace(self, retention_columns=())

    def drop(self, connection) -> None:
        with connection.cursor() as cursor:
            for sql in self._statements(connection, create=False):
                cursor.execute(sql)

    @property
    def truncate_trigger(self) -> str:
        return f"{self.prefix}_refuse_truncate"

    def create_truncate_refusal(self, connection) -> None:
        """PostgreSQL: refuse TRUNCATE on the table, whoever asks. Nothing to do on SQLite (see the module doc)."""
        if connection.vendor != "postgresql":
            return
        name, table = self.truncate_trigger, self.table
        with connection.cursor() as cursor:
            cursor.execute(f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{self.message}: TRUNCATE refused' USING ERRCODE = 'integrity_constraint_violation';
    END
    $$""")
            cursor.execute(f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")

    def drop_truncate_refusal(self, connection) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {self.truncate_trigger} ON {self.table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {self.truncate_trigger}()")

    def refuses_truncate(self, connection) -> bool:
        """PostgreSQL: the TRUNCATE trigger is present. SQLite: always (its row trigger refuses DELETE FROM)."""
        if connection.vendor != "postgresql":
            return bool(self.installed(connection) & {f"{self.prefix}_refuse_delete"})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s AND NOT tgisinternal",
                [self.table, self.truncate_trigger],
            )
            return cursor.fetchone() is not None

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
DECISION_EVENTS = AppendOnlyTable("decisions_decisionevent", "decision_event", retention_columns=("payload",))
AMENDMENTS = AppendOnlyTable("decisions_amendment", "amendment", retention_columns=("reason", "text"))
# Every append-only table, for the flush command (which must lift their triggers on SQLite).
ALL = (AUDIT_EVENTS, DECISION_EVENTS, AMENDMENTS)
# The tables retention may rewrite the free text of (isg/retention/services.py).
RETENTION = (DECISION_EVENTS, AMENDMENTS)

# The audit table's triggers, as migration 0002 and the audit tests call them.
TABLE = AUDIT_EVENTS.table
MESSAGE = AUDIT_EVENTS.message


def create(connection) -> None:
    AUDIT_EVENTS.create(connection)


def drop(connection) -> None:
    AUDIT_EVENTS.drop(connection)


def installed(connection) -> set[str]:
    return AUDIT_EVENTS.installed(connection)


@contextmanager
def retention_updates(connection, tables: tuple[AppendOnlyTable, ...] = RETENTION) -> Iterator[None]:
    """Inside the caller's transaction, let UPDATEs of the tables' retention columns through.

    Nothing else: other columns, DELETE and the audit table stay refused. Closed again on the
    way out, so the rest of the transaction is guarded as before (see the module doc).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("retention updates are only allowed inside a transaction (transaction.atomic)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL isg.retention = 'on'")
        try:
            yield
        finally:
            _close_window(connection, ["SET LOCAL isg.retention = 'off'"])
        return
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"no retention window for {connection.vendor}")
    with connection.cursor() as cursor:
        for table in tables:
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table.table)]
            guarded = ", ".join(c for c in columns if c not in table.retention_columns)
            cursor.execute(f"DROP TRIGGER IF EXISTS {table.prefix}_refuse_update")
            # Fires only when one of the other columns is in the UPDATE's SET list.
            cursor.execute(
                f"CREATE TRIGGER {table.prefix}_refuse_update BEFORE UPDATE OF {guarded} ON {table.table} "
                f"BEGIN SELECT RAISE(ABORT, '{table.message}'); END"
            )
    try:
        yield
    finally:
        _close_window(connection, [
            sql for table in tables for sql in (
                f"DROP TRIGGER IF EXISTS {table.prefix}_refuse_update",
                f"CREATE TRIGGER {table.prefix}_refuse_update BEFORE UPDATE ON {table.table} "
                f"BEGIN SELECT RAISE(ABORT, '{table.message}'); END",
            )
        ])


def _close_window(connection, statements: list[str]) -> None:
    """Put the full refusal back. After an error at this level Django rolls the enclosing atomic
    block back, and with it everything the window opened (setting or trigger swap): nothing to run."""
    if connection.needs_rollback or _aborted(connection):
        return
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _aborted(connection) -> bool:
    """PostgreSQL refuses every statement after an error until the rollback (which undoes the window)."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    from psycopg import pq

    return connection.connection.info.transaction_status == pq.TransactionStatus.INERROR
