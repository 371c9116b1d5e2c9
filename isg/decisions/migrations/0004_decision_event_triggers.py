"""The decision history and its amendments become append-only in the database too, and chained.

1. Any event written before this migration gets its entry in the audit chain, in id order (new
   events are chained as they are written, by isg/decisions/history.py), so `audit verify`
   passes on an existing database.
2. Triggers refuse UPDATE and DELETE on decisions_decisionevent and decisions_amendment, on
   PostgreSQL and SQLite (isg/audit/triggers.py). On SQLite a later migration that rebuilds
   either table drops its triggers: it must create them again (the tests check they exist).
"""

from django.db import migrations

from isg.audit import triggers

TABLES = (triggers.DECISION_EVENTS, triggers.AMENDMENTS)


def chain_existing_events(apps, schema_editor):
    from isg.audit import services as audit
    from isg.audit.chain import normalise_payload
    from isg.decisions.history import SUBJECT_TYPE, content_sha256

    DecisionEvent = apps.get_model("decisions", "DecisionEvent")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    chained = {
        p["event_id"] for p in AuditEvent.objects.filter(payload__has_key="event_id").values_list("payload", flat=True)
    }
    events = DecisionEvent.objects.order_by("id").select_related("decision", "actor")
    for event in events.iterator():
        if event.pk in chained:
            continue
        payload = normalise_payload(event.payload)
        audit.append(
            actor=event.actor, action=event.kind, subject_type=SUBJECT_TYPE, subject_id=str(event.decision.public_id),
            payload={
                "event_id": event.pk, "kind": event.kind, "node": event.node, "answer": event.answer,
                "revision": event.revision,
                "content_sha256": content_sha256(
                    decision=str(event.decision.public_id), actor=event.actor_id, kind=event.kind, node=event.node,
                    answer=event.answer, revision=event.revision, at=event.at, payload=payload,
                ),
            },
        )


def create_triggers(apps, schema_editor):
    for table in TABLES:
        table.create(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    for table in TABLES:
        table.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0003_approval_states_and_amendments"),
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
