"""Indexes for the register's audit filters (issue 15), PostgreSQL only, in raw SQL as 0001 is.

- `register_listed`: the register's own order over only the rows it lists (submitted, not a draft
  or superseded: isg/access/services.py UNSUBMITTED), carrying agency, outcome, status, emergency
  and flowchart version. A filter on those (two agencies, two states, an outcome) or on the
  approvals (decided late, took over a day) walks this index without reading the table, and checks
  the approval by its own index: the cost is how far down the list the matches are, not N.
- `register_approval_late`: approvals decided after they were due, by decision (a small index).
- `register_followup_open`: open follow-ups by decision and due time, for "overdue follow-ups".

On SQLite (development, tests) the register's tables are small and nothing is created.
"""

from django.db import migrations

INDEXES = {
    "register_listed": (
        "decisions_decision (submitted_at DESC, id DESC) "
        "INCLUDE (agency_id, outcome, status, is_emergency, flowchart_version) "
        "WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'superseded')"
    ),
    "register_approval_late": "approvals_approval (decision_id) WHERE decided_at > due_at",
    "register_followup_open": "followups_followup (decision_id, due_at) WHERE completed_at IS NULL",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0001_register_indexes"),
        ("approvals", "0001_approval"),
        ("followups", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
