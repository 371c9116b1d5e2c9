"""`manage.py audit verify` and `verify_chain()`: tampering behind the app is caught and the row named.

Each tamper test plays the database owner: the append-only triggers are dropped (inside the test's
transaction, so the rollback restores them) and the rows are changed with raw SQL.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from isg.audit import services
from isg.audit.chain import GENESIS, canonical_json, row_hash
from isg.audit.models import AuditEvent
from tests.audit.conftest import NOT_ANCHORED, add_events, json_placeholder

NO_DECISION_EVENTS = "ok 0 decision events, each chained once and unchanged"
PARK = 1_000_000  # a seq no real event has, to move rows past the unique index


def verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def assert_broken(*, seq, id, problem, events):
    report = services.verify_chain()
    assert not report.ok
    assert (report.broken.seq, report.broken.id, report.broken.problem) == (seq, id, problem)
    assert report.events == events
    code, out, err = verify()
    where = f"seq {seq} (id {id})" if id is not None else f"seq {seq}"
    assert (code, out) == (1, "")
    assert err.startswith(f"broken at {where}: {problem}: "), err
    return report


@pytest.mark.django_db
def test_an_untouched_chain_verifies_and_prints_its_head():
    events = add_events(12)
    report = services.verify_chain(chunk_size=5)  # several chunks: the walk does not hold the table in memory
    assert (report.ok, report.events, report.head) == (True, 12, events[-1].hash)
    assert verify() == (0, f"ok 12 events, head {events[-1].hash[:16]}\n{NO_DECISION_EVENTS}\n{NOT_ANCHORED}", "")


@pytest.mark.django_db
def test_an_empty_chain_verifies():
    assert verify() == (0, f"ok 0 events, head {GENESIS[:16]}\n{NO_DECISION_EVENTS}\n{NOT_ANCHORED}", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", {"node": "node_3", "answer": "no", "index": 3, "flags": [True, None, "é"]}),
     ("action", "approved"), ("subject_id", "decision-9"), ("actor_id", None)],
)
def test_a_changed_field_is_named_as_content_changed(attacker, practitioner, column, value):
    events = add_events(10, actor=practitioner)
    placeholder = json_placeholder() if column == "payload" else "%s"
    attacker(
        f"UPDATE audit_auditevent SET {column} = {placeholder} WHERE seq = 4",
        [json.dumps(value) if column == "payload" else value],
    )
    assert_broken(seq=4, id=events[3].id, problem="content changed", events=3)


@pytest.mark.django_db
def test_a_changed_time_is_named_as_content_changed(attacker):
    events = add_events(10)
    moved = connection.ops.adapt_datetimefield_value(events[6].at.replace(microsecond=events[6].at.microsecond ^ 1))
    attacker("UPDATE audit_auditevent SET at = %s WHERE seq = 7", [moved])
    assert_broken(seq=7, id=events[6].id, problem="content changed", events=6)


@pytest.mark.django_db
@pytest.mark.parametrize("seq", [1, 5, 9])
def test_a_deleted_row_is_named_as_missing(attacker, seq):
    add_events(10)
    attacker("DELETE FROM audit_auditevent WHERE seq = %s", [seq])
    report = assert_broken(seq=seq, id=None, problem="row missing", events=seq - 1)
    assert report.broken.detail == f"no event with seq {seq}; the next is seq {seq + 1}"


@pytest.mark.django_db
def test_a_deleted_row_with_the_rest_renumbered_is_named_as_missing(attacker):
    events = add_events(10)
    attacker("DELETE FROM audit_auditevent WHERE seq = 5")
    attacker("UPDATE audit_auditevent SET seq = seq + %s WHERE seq > 5", [PARK])
    attacker("UPDATE audit_auditevent SET seq = seq - %s WHERE seq > %s", [PARK + 1, PARK])
    report = assert_broken(seq=5, id=events[5].id, problem="row missing", events=4)
    assert report.broken.detail.startswith("it was written as seq 6: ")


@pytest.mark.django_db
def test_a_forged_row_inserted_mid_chain_is_named_even_with_a_correct_hash(attacker):
    events = add_events(10)
    # Make room after seq 5, then insert a row chained to seq 5 with its hash computed as the app would.
    attacker("UPDATE audit_auditevent SET seq = seq + %s WHERE seq > 5", [PARK])
    attacker("UPDATE audit_auditevent SET seq = seq - %s WHERE seq > %s", [PARK - 1, PARK])
    forged = {
        "seq": 6, "at": events[4].at, "actor_id": None, "action": "approved",
        "subject_type": "decision", "subject_id": "decision-0", "payload": {"approved_by": "nobody"},
    }
    digest = row_hash(events[4].hash, canonical_json(**forged))
    attacker(
        "INSERT INTO audit_auditevent (seq, at, actor_id, action, subject_type, subject_id, payload, prev_hash, hash)"
        f" VALUES (%s, %s, %s, %s, %s, %s, {json_placeholder()}, %s, %s)",
        [6, connection.ops.adapt_datetimefield_value(forged["at"]), None, "approved", "decision", "decision-0",
         json.dumps(forged["payload"]), events[4].hash, digest],
    )
    forged_id = AuditEvent.objects.get(seq=6).id
    report = assert_broken(seq=6, id=forged_id, problem="inserted", events=6)
    assert report.broken.detail == "seq 6 is not part of the chain: seq 7 is chained to seq 5"


@pytest.mark.django_db
def test_a_forged_row_at_the_end_with_a_made_up_hash_is_named(attacker):
    events = add_events(10)
    attacker(
        "INSERT INTO audit_auditevent (seq, at, actor_id, action, subject_type, subject_id, payload, prev_hash, hash)"
        f" VALUES (11, %s, NULL, 'approved', 'decision', 'decision-0', {json_placeholder()}, %s, %s)",
        [connection.ops.adapt_datetimefield_value(events[-1].at), "{}", events[-1].hash, "f" * 64],
    )
    assert_broken(seq=11, id=AuditEvent.objects.get(seq=11).id, problem="content changed", events=10)


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "second"), [(5, 6), (3, 7)])
def test_two_rows_swapped_are_named_as_reordered(attacker, first, second):
    events = add_events(10)
    attacker("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [PARK, first])
    attacker("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [first, second])
    attacker("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [second, PARK])
    report = assert_broken(seq=first, id=events[second - 1].id, problem="reordered", events=first - 1)
    predecessor = second if second - 1 == first else second - 1  # where the row it was chained to is now
    assert report.broken.detail == f"it is chained to the event now at seq {predecessor}, which comes after it"


@pytest.mark.django_db
def test_a_changed_link_is_named_as_link_broken(attacker):
    events = add_events(10)
    attacker("UPDATE audit_auditevent SET prev_hash = %s WHERE seq = 8", ["e" * 64])
    assert_broken(seq=8, id=events[7].id, problem="link broken", events=7)
