"""`manage.py flush`, made to empty the append-only tables on SQLite as it already does on PostgreSQL.

Django's flush empties PostgreSQL tables with TRUNCATE, which the append-only row triggers do not
see; on SQLite it runs DELETE FROM, which they refuse. Test cases with `transaction=True` flush
after every test, so without this they would fail on SQLite as soon as a test wrote an event.
Every table in `triggers.ALL` (the audit chain, the decision history, amendments) has its
triggers lifted for the flush and put back as soon as it ends, whether it succeeded or not.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from isg.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        present = set(connection.introspection.table_names())
        lifted = [table for table in triggers.ALL if table.table in present and table.installed(connection)]
        for table in lifted:
            table.drop(connection)
        try:
            return super().handle(**options)
        finally:
            for table in lifted:
                table.create(connection)
