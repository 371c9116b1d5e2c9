"""`manage.py flush`, made to empty the append-only tables, whose triggers refuse it otherwise.

Django's flush empties PostgreSQL tables with TRUNCATE, which the statement-level triggers of
migration audit 0003 refuse; on SQLite it runs DELETE FROM, which the row triggers refuse. Test
cases with `transaction=True` flush after every test, so without this they would fail as soon as
a test wrote an event. Every table in `triggers.ALL` (the audit chain, the decision history,
amendments) has its refusing triggers lifted for the flush and put back as soon as it ends:

- PostgreSQL: the TRUNCATE triggers are dropped, the tables emptied and the triggers created
  again in one transaction, so no other session ever sees a table without them. Dropping a
  trigger needs the table's owner: the app's role (isg/ops/roles.py) cannot flush at all.
- SQLite: the row triggers are dropped and put back whether the flush succeeded or not.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from isg.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        present = set(connection.introspection.table_names())
        if connection.vendor == "postgresql":
            guarded = [table for table in triggers.ALL if table.table in present and table.refuses_truncate(connection)]
            with transaction.atomic(using=connection.alias):
                for table in guarded:
                    table.drop_truncate_refusal(connection)
                super().handle(**options)
                for table in guarded:
                    table.create_truncate_refusal(connection)
            return
        if connection.vendor != "sqlite":
            return super().handle(**options)
        lifted = [table for table in triggers.ALL if table.table in present and table.installed(connection)]
        for table in lifted:
            table.drop(connection)
        try:
            return super().handle(**options)
        finally:
            for table in lifted:
                table.create(connection)
