"""Indexes for the decision register on the decisions table, so it stays fast at a million rows.

Kept here, in raw SQL, rather than in `Decision.Meta`: the full-text and jsonb indexes exist only
on PostgreSQL, and the generated column holds `SEARCH_DOCUMENT` below. The model state is untouched, so
`makemigrations` sees nothing to do.

- (submitted_at, id) newest first: the keyset order of every register page;
- agency / outcome / status, each followed by that order: a filtered page reads one index range;
- PostgreSQL: a GIN on `state` (jsonb_path_ops) for `state @> '{"consent_status": "refused"}'`,
  and a stored generated `search_vector` column (case reference, summary, rationales) with a GIN.
"""

from django.db import migrations

# A frozen copy of isg.register.services.SEARCH_DOCUMENT as it was when this migration was written
# (a migration must not change when the app's code does).
SEARCH_DOCUMENT = (
    "to_tsvector('english'::regconfig, "
    "coalesce(\"decisions_decision\".\"case_reference\", '') || ' ' || "
    "coalesce(\"decisions_decision\".\"path\" #>> '{0,fields,summary}', '') || ' ' || "
    "coalesce(jsonb_path_query_array(\"decisions_decision\".\"path\", '$[*].rationale')::text, ''))"
)

ORDER = "submitted_at DESC, id DESC"
BOTH = {
    "register_submitted": f"({ORDER})",
    "register_agency_submitted": f"(agency_id, {ORDER})",
    "register_outcome_submitted": f"(outcome, {ORDER})",
    "register_status_submitted": f"(status, {ORDER})",
}
POSTGRES_ONLY = {
    "register_state_gin": "USING gin (state jsonb_path_ops)",
    "register_search_gin": "USING gin (search_vector)",
}
# PostgreSQL keeps the search document in a stored generated column (not in the model: SQLite has
# no tsvector). Stored, not an expression index: a plan that does not use the index (a small table,
# a recheck) reads the vector instead of recomputing to_tsvector over every rationale of every row.
ADD_COLUMN = (
    "ALTER TABLE decisions_decision ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED"
)


def create(apps, schema_editor):
    indexes = dict(BOTH)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_COLUMN)
        indexes.update(POSTGRES_ONLY)
    for name, definition in indexes.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON decisions_decision {definition}")
    if schema_editor.connection.vendor == "postgresql":
        # More lexeme statistics for the search document: with the default, a rare word is guessed
        # to match 0.5% of rows, and the planner may walk the date index computing the document for
        # every row instead of asking the GIN index.
        schema_editor.execute("ALTER TABLE decisions_decision ALTER COLUMN search_vector SET STATISTICS 1000")


def drop(apps, schema_editor):
    for name in (*BOTH, *POSTGRES_ONLY):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE decisions_decision DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0004_decision_event_triggers"),
        ("approvals", "0001_approval"),
    ]

    operations = [migrations.RunPython(create, drop)]
