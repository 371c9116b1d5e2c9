import pytest
from django.conf import settings
from django.db import connection

from isg.audit import services, triggers
from isg.audit.models import AuditEvent

# What `audit verify` says while the test settings' anchor file does not exist (no test writes it).
NOT_ANCHORED = (
    f"not anchored: no anchor file at {settings.ISG_AUDIT_ANCHOR_PATH} yet; the chain was checked on its own, "
    "so deleting its newest events or rewriting all of it would not show; run `manage.py audit anchor`"
)


def add_events(count: int, *, actor=None) -> list[AuditEvent]:
    """`count` events about two decisions, with payloads that vary in shape."""
    actions = [AuditEvent.Action.ANSWERED, AuditEvent.Action.CHANGED, AuditEvent.Action.VIEWED]
    return [
        services.append(
            actor=actor,
            action=actions[i % len(actions)],
            subject_type="decision",
            subject_id=f"decision-{i % 2}",
            payload={"node": f"node_{i}", "answer": "yes", "index": i, "flags": [True, None, "é"]},
        )
        for i in range(count)
    ]


def run_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def json_placeholder() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


@pytest.fixture
def attacker(db):
    """The database owner working behind the app, with the append-only triggers dropped.

    The drop happens inside the test's transaction, so the rollback at the end restores them.
    """
    triggers.drop(connection)
    assert triggers.installed(connection) == set()
    return run_sql
