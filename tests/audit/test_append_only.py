"""Events are never changed or deleted: the ORM refuses, and behind it the database's triggers refuse."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from isg.audit import triggers
from isg.audit.models import AppendOnly, AuditEvent
from tests.audit.conftest import add_events, run_sql

BOTH_TRIGGERS = {"audit_refuse_update", "audit_refuse_delete"}


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_an_event():
    event = add_events(1)[0]
    event.action = "approved"
    attempts = [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.filter(pk=event.pk).update(action="approved"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.bulk_update([event], ["action"]),
        lambda: AuditEvent.objects.bulk_create([AuditEvent(seq=2, action="viewed")]),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnly, match="append-only"):
            attempt()
    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, "answered")]


@pytest.mark.django_db
def test_the_migrations_install_both_triggers():
    assert triggers.installed(connection) == BOTH_TRIGGERS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'approved' WHERE id = %s",
        "UPDATE audit_auditevent SET subject_id = subject_id WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete_in_raw_sql(sql):
    event = add_events(1)[0]
    with pytest.raises(IntegrityError, match="audit_auditevent is append-only"), transaction.atomic():
        run_sql(sql, [event.pk])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.subject_id, stored.hash) == (event.action, event.subject_id, event.hash)


@pytest.mark.django_db
def test_the_database_refuses_a_plain_queryset_that_skips_the_orm_guard():
    event = add_events(1)[0]
    plain = models.QuerySet(AuditEvent)  # the Model's own QuerySet, without AuditEventQuerySet's refusals
    with pytest.raises(IntegrityError), transaction.atomic():
        plain.filter(pk=event.pk).update(action="approved")
    with pytest.raises(IntegrityError), transaction.atomic():
        plain.filter(pk=event.pk)._raw_delete(connection.alias)
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_history_and_leaves_the_triggers_in_place():
    add_events(3)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert triggers.installed(connection) == BOTH_TRIGGERS
    event = add_events(1)[0]
    assert event.seq == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        run_sql("DELETE FROM audit_auditevent")
    # This test's own teardown flushes again, with an event in the table: on SQLite that only
    # works because isg.audit's flush lifts the triggers for the flush and puts them back.
