"""PostgreSQL refuses TRUNCATE on every append-only table (the audit chain, the decision history,
amendments), which the row triggers of audit 0002 and decisions 0004 never see.

A statement-level BEFORE TRUNCATE trigger (isg/audit/triggers.py), so even the tables' owner is
refused. Nothing to do on SQLite: it has no TRUNCATE, and `DELETE FROM` fires the row trigger.
"""

from django.db import migrations

from isg.audit import triggers


def create_truncate_refusals(apps, schema_editor):
    for table in triggers.ALL:
        table.create_truncate_refusal(schema_editor.connection)


def drop_truncate_refusals(apps, schema_editor):
    for table in triggers.ALL:
        table.drop_truncate_refusal(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("decisions", "0004_decision_event_triggers"),  # the decision history's tables and their row triggers
    ]

    operations = [migrations.RunPython(create_truncate_refusals, drop_truncate_refusals, elidable=False)]
