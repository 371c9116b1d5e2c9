"""Two more indexes for the register's audit filters, PostgreSQL only (as 0002).

- `register_agency_listed`: the register's own order within each agency, over only the rows it
  lists. `register_listed` (0002) walks the whole register in date order, so a filter on one or two
  agencies and a period (the partnership's audit question: "these agencies' share-without-consent
  decisions last quarter, approved late") read every agency's rows in that period to keep a sixth
  of them. This index starts at each agency's period and carries the columns those filters test,
  so only the agencies' own rows are read, without the table.
- `register_share_organisation`: the decisions shared with an organisation ("shared with"), read
  from the index alone.
"""

from django.db import migrations

INDEXES = {
    "register_agency_listed": (
        "decisions_decision (agency_id, submitted_at DESC, id DESC) "
        "INCLUDE (outcome, status, is_emergency, flowchart_version) "
        "WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'superseded')"
    ),
    "register_share_organisation": "disclosures_share (organisation_id, decision_id)",
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
    dependencies = [("register", "0002_audit_filter_indexes"), ("disclosures", "0001_shares_and_tellings")]

    operations = [migrations.RunPython(create, drop)]
