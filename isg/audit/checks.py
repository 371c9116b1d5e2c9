"""Start-up checks: the chain is only safe to append to if writers really queue up."""

from collections.abc import Mapping

from django.conf import settings
from django.core import checks


@checks.register()
def sqlite_writers_take_the_lock_up_front(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """On SQLite the chain relies on BEGIN IMMEDIATE: each transaction holds the write lock from
    its first statement, so two writers can never read the same chain head."""
    return [
        checks.Error(
            f"SQLite database {alias!r} does not begin transactions IMMEDIATE, so audit appends could collide.",
            hint='Set OPTIONS["transaction_mode"] = "IMMEDIATE" (isg.ops.configuration.database_config does).',
            id="isg.audit.E001",
        )
        for alias in sqlite_without_immediate(settings.DATABASES)
    ]


def sqlite_without_immediate(databases: Mapping[str, Mapping]) -> list[str]:
    return [
        alias
        for alias, database in databases.items()
        if database.get("ENGINE") == "django.db.backends.sqlite3"
        and str(database.get("OPTIONS", {}).get("transaction_mode", "")).upper() != "IMMEDIATE"
    ]
