"""Events are never changed or deleted: the ORM refuses, and behind it the database's triggers refuse
(UPDATE and DELETE on both databases; TRUNCATE on PostgreSQL, even to the tables' owner)."""

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


@pytest.mark.django_db
def test_the_migrations_refuse_truncate_on_every_history_table():
    assert [table.table for table in triggers.ALL if table.refuses_truncate(connection)] == [
        "audit_auditevent", "decisions_decisionevent", "decisions_amendment"
    ]


@pytest.mark.postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("TRUNCATE audit_auditevent", "audit_auditevent"),
        # CASCADE: rows elsewhere point at the history (a review flag at the event that raised it).
        ("TRUNCATE decisions_decisionevent, decisions_amendment CASCADE", "decisions_decisionevent"),
        # Emptying the decisions would take their history with it: refused for the history's sake.
        ("TRUNCATE decisions_decision CASCADE", "decisions_decisionevent"),
    ],
)
def test_postgresql_refuses_truncate_of_the_history_even_to_the_owner(practitioner, sql, refused):
    from tests.factories import make_decision

    make_decision(practitioner, "outcome_do_not_share")
    before = AuditEvent.objects.count()
    assert before > 0
    run_sql("SET CONSTRAINTS ALL IMMEDIATE")  # check this test's deferred foreign keys now: TRUNCATE waits on none
    with pytest.raises(IntegrityError, match=f"{refused} is append-only: TRUNCATE refused"), transaction.atomic():
        run_sql(sql)  # the test runs as the database's superuser: only the trigger stands in the way
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_history_and_leaves_the_triggers_in_place():
    add_events(3)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert triggers.installed(connection) == BOTH_TRIGGERS
    assert all(table.refuses_truncate(connection) for table in triggers.ALL)
    event = add_events(1)[0]
    assert event.seq == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        run_sql("DELETE FROM audit_auditevent")
    # This test's own teardown flushes again, with an event in the table: on SQLite that only
    # works because isg.audit's flush lifts the triggers for the flush and puts them back.
