"""The decision history's and amendments' triggers let retention rewrite their free text.

On PostgreSQL the refusing function gains the retention clause (isg/audit/triggers.py): an UPDATE
of the free-text columns only, only while the transaction has `SET LOCAL isg.retention = 'on'`.
Nothing changes on SQLite: retention swaps the trigger inside its own transaction there.
"""

from django.db import migrations

from isg.audit import triggers


def with_retention(apps, schema_editor):
    _reinstall(schema_editor.connection, triggers.RETENTION)


def without_retention(apps, schema_editor):
    _reinstall(schema_editor.connection, tuple(table.without_retention() for table in triggers.RETENTION))


def _reinstall(connection, tables) -> None:
    if connection.vendor != "postgresql":
        return
    for table in tables:
        table.drop(connection)
        table.create(connection)


class Migration(migrations.Migration):
    dependencies = [("decisions", "0004_decision_event_triggers")]

    operations = [migrations.RunPython(with_retention, without_retention, elidable=False)]
