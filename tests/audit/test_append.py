"""`services.append`: each event is chained by SHA-256 to the one before, in the caller's transaction."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from isg.audit import services
from isg.audit.chain import GENESIS
from isg.audit.checks import sqlite_without_immediate, sqlite_writers_take_the_lock_up_front
from isg.audit.models import AuditEvent
from tests.audit.conftest import add_events


@pytest.mark.django_db
def test_the_hash_is_sha256_of_the_previous_hash_and_the_documented_canonical_json(practitioner, monkeypatch):
    # 01:30 UTC on the day the clocks go forward: stored and hashed in UTC, microseconds always shown.
    monkeypatch.setattr(services.timezone, "now", lambda: datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    event = services.append(
        actor=practitioner,
        action="submitted",
        subject_type="decision",
        subject_id="6f1c-public-id",
        payload={"outcome": "outcome_share", "path": ("start", "purpose"), "urgent": False, "n": None, "z": {"b": 1, "a": "é"}},
    )
    canonical = (
        '{"action":"submitted","actor":ACTOR,"at":"2026-03-29T01:30:00.000000Z",'
        '"payload":{"n":null,"outcome":"outcome_share","path":["start","purpose"],"urgent":false,"z":{"a":"é","b":1}},'
        '"seq":1,"subject_id":"6f1c-public-id","subject_type":"decision"}'
    ).replace("ACTOR", str(practitioner.pk))
    assert event.seq == 1
    assert event.prev_hash == GENESIS == "0" * 64
    assert event.hash == hashlib.sha256((GENESIS + canonical).encode("utf-8")).hexdigest()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.at, stored.actor_id, stored.hash) == (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), practitioner.pk, event.hash)
    assert stored.payload["path"] == ["start", "purpose"]


@pytest.mark.django_db
def test_each_event_follows_the_one_before_with_no_gaps():
    events = add_events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.prev_hash for e in events] == [GENESIS] + [e.hash for e in events[:-1]]
    assert len({e.hash for e in events}) == 5
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_a_system_event_has_no_actor():
    event = services.append(
        actor=None, action="retention_tombstone", subject_type="decision", subject_id="d1", payload={"rule": "6y"}
    )
    assert AuditEvent.objects.get(pk=event.pk).actor_id is None


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_callers_transaction_and_leaves_no_gap(practitioner):
    add_events(2)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.append(actor=practitioner, action="approved", subject_type="decision", subject_id="d1")
        raise RuntimeError("the change this event records failed")
    assert AuditEvent.objects.count() == 2
    event = services.append(actor=practitioner, action="approved", subject_type="decision", subject_id="d1")
    assert event.seq == 3
    assert services.verify_chain().ok


@pytest.mark.django_db
def test_the_history_of_one_decision_is_its_events_in_order():
    add_events(6)
    history = AuditEvent.objects.for_subject("decision", "decision-1")
    assert [e.seq for e in history] == [2, 4, 6]
    assert [e.action_label for e in history] == ["Answer changed", "Answered", "Viewed"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "edited"}, "unknown audit action 'edited'"),
        ({"payload": {"score": 0.5}}, "payload.score is a float"),
        ({"payload": {"nested": [{1: "x"}]}}, "key that is not a string"),
        ({"payload": {"text": "a\x00b"}}, "NUL"),
        ({"payload": ["not", "a", "mapping"]}, "must be a mapping"),
        ({"subject_id": ""}, "subject_id"),
        ({"subject_type": "x" * 41}, "subject_type"),
    ],
)
def test_refuses_what_the_chain_cannot_carry(changes, message):
    arguments = {"actor": None, "action": "viewed", "subject_type": "decision", "subject_id": "d1", "payload": {}}
    with pytest.raises(ValueError, match=message):
        services.append(**{**arguments, **changes})
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_refuses_an_actor_who_is_not_a_saved_user():
    with pytest.raises(ValueError, match="saved user"):
        services.append(actor=AnonymousUser(), action="viewed", subject_type="decision", subject_id="d1")


def test_the_start_up_check_wants_sqlite_to_take_the_write_lock_up_front():
    sqlite = "django.db.backends.sqlite3"
    databases = {
        "default": {"ENGINE": sqlite, "OPTIONS": {"transaction_mode": "IMMEDIATE"}},
        "deferred": {"ENGINE": sqlite, "OPTIONS": {}},
        "postgres": {"ENGINE": "django.db.backends.postgresql"},
    }
    assert sqlite_without_immediate(databases) == ["deferred"]
    assert sqlite_writers_take_the_lock_up_front() == []  # the app's own settings
