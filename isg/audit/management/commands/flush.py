"""`manage.py flush`, made to empty the audit table on SQLite as it already does on PostgreSQL.

Django's flush empties PostgreSQL tables with TRUNCATE, which the append-only row triggers do not
see; on SQLite it runs DELETE FROM, which they refuse. Test cases with `transaction=True` flush
after every test, so without this they would fail on SQLite as soon as a test wrote an event.
The triggers are put back as soon as the flush ends, whether it succeeded or not.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from isg.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or triggers.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        triggers.drop(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.create(connection)
