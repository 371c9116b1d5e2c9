"""Three more indexes for the register's audit filters, PostgreSQL only (as 0002).

- `register_agency_listed`: the register's own order within each agency, over only the rows it
  lists. `register_listed` (0002) walks the whole register in date order, so a filter on one or two
  agencies and a period (the partnership's audit question: "these agencies' share-without-consent
  decisions last quarter, approved late") read every agency's rows in that period to keep a sixth
  of them. This index starts at each agency's period and carries the columns those filters test,
  so only the agencies' own rows are read, without the table.
- `register_share_organisation`: the decisions shared with an organisation ("shared with"), read
  from the index alone.
- `register_listed_by_id`: the listed rows by id, carrying their date and the filters' columns.
  A filter a related table answers (shares, follow-ups) finds its decisions by id; through the
  primary key each one is a read of the table, mostly not in memory at a million rows, and
  PostgreSQL hashed the shares and walked the date index instead. From this index it checks the
  first 1,001 without the table: "shared with" counts in 6 ms, not 15.
"""

from django.db import migrations

INDEXES = {
    "register_agency_listed": (
        "decisions_decision (agency_id, submitted_at DESC, id DESC) "
        "INCLUDE (outcome, status, is_emergency, flowchart_version) "
        "WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'superseded')"
    ),
    "register_share_organisation": "disclosures_share (organisation_id, decision_id)",
    "register_listed_by_id": (
        "decisions_decision (id) INCLUDE (submitted_at, agency_id, outcome, status, is_emergency, flowchart_version) "
        "WHERE submitted_at IS NOT NULL AND status NOT IN ('draft', 'superseded')"
    ),
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
