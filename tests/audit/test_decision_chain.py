"""Every decision event is chained as it is written, and `audit verify` catches any row changed behind the app.

The tamper tests play the database owner: they drop the decision history's triggers (inside the
test's transaction, so the rollback restores them) and change, delete, insert and reorder rows
with raw SQL. Each time `verify_events` and `manage.py audit verify` name the row.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from isg.audit import services as audit
from isg.audit import triggers
from isg.audit.models import AuditEvent
from isg.decisions import history, services
from isg.decisions.models import Amendment, Decision, DecisionEvent
from tests.audit.conftest import NOT_ANCHORED, json_placeholder, run_sql
from tests.factories import make_user

BOTH = {"decision_event_refuse_update", "decision_event_refuse_delete"}


def start(owner, case="CASE-1") -> Decision:
    step = services.stored_step(node="start", answer="want_to_share", rationale="Told by the school",
                                fields={"summary": "A concern about a child"})
    return services.decision_start(owner=owner, case_reference=case, step=step)


def answer(decision: Decision, node: str, answer_id: str, *, index: int | None = None) -> None:
    step = services.stored_step(node=node, answer=answer_id, rationale=f"Because {node}")
    services.decision_answer(
        decision=decision, actor=decision.owner, index=len(decision.path) if index is None else index, step=step,
        revision=decision.revision,
    )


@pytest.fixture
def walked(db):
    """A decision with started, answered, changed and dropped events."""
    decision = start(make_user())
    for node, answer_id in [("emergency_check", "no"), ("purpose", "yes"), ("statutory_duty", "yes_duty")]:
        answer(decision, node, answer_id)
    answer(decision, "purpose", "no", index=2)  # drops statutory_duty
    kinds = list(decision.events.values_list("kind", flat=True))
    assert kinds == ["started", "answered", "answered", "answered", "changed", "dropped"]
    return decision


@pytest.fixture
def tamper(db):
    """Raw SQL with the decision history's triggers dropped, as the database owner could."""
    triggers.DECISION_EVENTS.drop(connection)
    assert triggers.DECISION_EVENTS.installed(connection) == set()
    return run_sql


def verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def assert_caught(event_id: int, problem: str) -> None:
    report = history.verify_events()
    assert not report.ok
    assert (report.broken.event_id, report.broken.problem) == (event_id, problem), str(report)
    code, out, err = verify()
    assert (code, out) == (1, "")
    assert err.startswith(f"broken at decision event {event_id}: {problem}: "), err


# -- written and chained together -------------------------------------------------------------


def test_each_event_is_chained_as_it_is_written(walked):
    events = list(walked.events.order_by("id"))
    entries = list(AuditEvent.objects.for_subject("decision", str(walked.public_id)))
    assert len(entries) == len(events)
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    for event, entry in zip(events, entries, strict=True):
        assert entry.action == event.kind and entry.actor_id == event.actor_id
        assert entry.payload == {
            "event_id": event.pk, "kind": event.kind, "node": event.node, "answer": event.answer,
            "revision": event.revision, "content_sha256": history.event_digest(event),
        }
    # No free text in the chain: the rationale and the summary are only digested.
    assert "Because" not in json.dumps([e.payload for e in entries])
    assert "A concern" not in json.dumps([e.payload for e in entries])


def test_the_digest_is_over_the_canonical_content_as_documented(walked):
    event = walked.events.order_by("id").first()
    expected = json.dumps({
        "actor": event.actor_id, "answer": event.answer, "at": event.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "decision": str(walked.public_id), "kind": event.kind, "node": event.node, "payload": event.payload,
        "revision": event.revision,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    import hashlib

    assert history.event_digest(event) == hashlib.sha256(expected).hexdigest()


def test_audit_verify_passes_on_an_untouched_history(walked):
    code, out, err = verify()
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["ok 6 decision events, each chained once and unchanged", NOT_ANCHORED]


def test_a_failed_write_leaves_neither_the_event_nor_its_chain_entry(walked):
    before = (DecisionEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.StaleDecision):
        services.decision_answer(decision=walked, actor=walked.owner, index=1,
                                 step=services.stored_step(node="emergency_check", answer="no"), revision=walked.revision - 1)
    assert (DecisionEvent.objects.count(), AuditEvent.objects.count()) == before


def test_every_event_kind_can_be_chained():
    assert set(DecisionEvent.Kind.values) <= set(AuditEvent.Action.values)


def test_the_orm_routes_every_insert_through_the_chain_and_refuses_changes(walked):
    plain = DecisionEvent(decision=walked, actor=walked.owner, kind="viewed", revision=walked.revision)
    plain.save()  # as older code wrote events
    bulk = DecisionEvent.objects.bulk_create([
        DecisionEvent(decision=walked, actor=walked.owner, kind="exported", revision=walked.revision, payload={"f": "pdf"}),
    ])
    chained = AuditEvent.objects.filter(payload__event_id__in=[plain.pk, bulk[0].pk]).count()
    assert chained == 2 and history.verify_events().ok
    plain.kind = "approved"
    attempts = [
        plain.save, plain.delete,
        lambda: DecisionEvent.objects.filter(pk=plain.pk).update(kind="approved"),
        lambda: DecisionEvent.objects.filter(pk=plain.pk).delete(),
        lambda: DecisionEvent.objects.bulk_update([plain], ["kind"]),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError, match="append-only"):
            attempt()


# -- the database refuses ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migrations_install_the_triggers_on_the_history_and_amendments():
    assert triggers.DECISION_EVENTS.installed(connection) == BOTH
    assert triggers.AMENDMENTS.installed(connection) == {"amendment_refuse_update", "amendment_refuse_delete"}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE decisions_decisionevent SET kind = 'approved' WHERE id = %s",
        "UPDATE decisions_decisionevent SET payload = payload WHERE id = %s",
        "DELETE FROM decisions_decisionevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete_of_an_event(walked, sql):
    event = walked.events.first()
    with pytest.raises(IntegrityError, match="decisions_decisionevent is append-only"), transaction.atomic():
        run_sql(sql, [event.pk])
    assert DecisionEvent.objects.get(pk=event.pk).kind == event.kind


@pytest.mark.parametrize(
    "sql", ["UPDATE decisions_amendment SET text = 'rewritten' WHERE id = %s", "DELETE FROM decisions_amendment WHERE id = %s"]
)
def test_the_database_refuses_update_and_delete_of_an_amendment(db, sql):
    owner = make_user()
    decision = start(owner)
    amendment = Amendment(decision=decision, author=owner, reason="Wrong date", text="The date was 2 March")
    amendment.save()
    with pytest.raises(IntegrityError, match="decisions_amendment is append-only"), transaction.atomic():
        run_sql(sql, [amendment.pk])
    assert Amendment.objects.get(pk=amendment.pk).text == "The date was 2 March"


# -- tampering behind the ORM is caught and named ---------------------------------------------


def test_a_changed_answer_is_caught(walked, tamper):
    event = walked.events.filter(kind="answered").order_by("id")[1]
    tamper("UPDATE decisions_decisionevent SET answer = 'no' WHERE id = %s", [event.pk])
    assert_caught(event.pk, "changed")


def test_changed_free_text_is_caught_though_the_chain_holds_none(walked, tamper):
    event = walked.events.order_by("id").first()
    payload = {**event.payload, "rationale": "Something else"}
    tamper(f"UPDATE decisions_decisionevent SET payload = {json_placeholder()} WHERE id = %s", [json.dumps(payload), event.pk])
    assert_caught(event.pk, "changed")


def test_a_changed_time_or_author_is_caught(walked, tamper):
    first, second = walked.events.order_by("id")[:2]
    tamper("UPDATE decisions_decisionevent SET actor_id = %s WHERE id = %s", [make_user().pk, second.pk])
    assert_caught(second.pk, "changed")
    tamper("UPDATE decisions_decisionevent SET at = %s WHERE id = %s", [second.at, first.pk])
    assert_caught(first.pk, "changed")


def test_an_event_moved_to_another_decision_is_caught(walked, tamper):
    other = start(walked.owner, case="CASE-2")
    event = walked.events.order_by("id").last()
    tamper("UPDATE decisions_decisionevent SET decision_id = %s WHERE id = %s", [other.pk, event.pk])
    assert_caught(event.pk, "changed")


def test_a_deleted_event_is_caught(walked, tamper):
    event = walked.events.filter(kind="changed").get()
    tamper("DELETE FROM decisions_decisionevent WHERE id = %s", [event.pk])
    assert_caught(event.pk, "deleted")


def test_the_last_event_deleted_is_caught(walked, tamper):
    event = walked.events.order_by("id").last()
    tamper("DELETE FROM decisions_decisionevent WHERE id = %s", [event.pk])
    assert_caught(event.pk, "deleted")


def _insert(decision, kind="answered", at=None, event_id=None):
    columns = "decision_id, actor_id, kind, node, answer, payload, revision, at"
    values = [decision.pk, decision.owner_id, kind, "purpose", "yes", json.dumps({"rationale": "Added later"}),
              decision.revision, at or decision.events.order_by("id").last().at]
    if event_id is not None:
        columns, values = f"id, {columns}", [event_id, *values]
    marks = ", ".join(["%s"] * (len(values) - 3) + [json_placeholder(), "%s", "%s"])
    run_sql(f"INSERT INTO decisions_decisionevent ({columns}) VALUES ({marks})", values)
    return DecisionEvent.objects.order_by("-id").values_list("id", flat=True).first() if event_id is None else event_id


def test_an_inserted_event_is_caught(walked, tamper):
    added = _insert(walked)
    assert_caught(added, "unchained")


def test_an_event_inserted_into_a_gap_in_the_middle_is_caught(walked, tamper):
    event = walked.events.filter(kind="answered").order_by("id")[1]
    tamper("DELETE FROM decisions_decisionevent WHERE id = %s", [event.pk])
    _insert(walked, event_id=event.pk)  # the same id, new content: not what was chained
    assert_caught(event.pk, "changed")


def test_reordered_events_are_caught(walked, tamper):
    first, second = (e.pk for e in walked.events.filter(kind="answered").order_by("id")[:2])
    # Swap the two rows' ids, so the history reads in a different order.
    tamper("UPDATE decisions_decisionevent SET id = %s WHERE id = %s", [10_000_000, first])
    tamper("UPDATE decisions_decisionevent SET id = %s WHERE id = %s", [first, second])
    tamper("UPDATE decisions_decisionevent SET id = %s WHERE id = %s", [second, 10_000_000])
    assert_caught(first, "reordered")


def test_an_event_moved_to_the_end_is_caught(walked, tamper):
    event = walked.events.order_by("id").first()
    tamper("UPDATE decisions_decisionevent SET id = %s WHERE id = %s", [10_000_000, event.pk])
    assert_caught(event.pk, "deleted")  # its place is empty; its content sits, out of order, at the end
    report = history.verify_events()
    assert "no longer in the table" in report.broken.detail


def test_an_event_chained_twice_is_caught(walked):
    event = walked.events.order_by("id").first()
    audit.append(actor=event.actor, action=event.kind, subject_type="decision", subject_id=str(walked.public_id),
                 payload=history.chain_payload(event))
    assert_caught(event.pk, "chained twice")


# -- retention (issue 8) can blank text and keep the history verifiable ---------------------------


def test_a_redaction_with_a_tombstone_still_verifies(walked, tamper):
    event = walked.events.order_by("id").first()
    blanked = {**event.payload, "rationale": "", "fields": {}}
    tamper(f"UPDATE decisions_decisionevent SET payload = {json_placeholder()} WHERE id = %s", [json.dumps(blanked), event.pk])
    assert_caught(event.pk, "changed")  # without a tombstone it is tampering
    event = DecisionEvent.objects.get(pk=event.pk)
    audit.append(actor=None, action=AuditEvent.Action.RETENTION_TOMBSTONE, subject_type="decision",
                 subject_id=str(walked.public_id),
                 payload={"event_id": event.pk, "content_sha256": history.event_digest(event), "reason": "retention"})
    assert history.verify_events().ok
    assert verify()[0] == 0


# -- flush --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_history_and_leaves_its_triggers_in_place():
    owner = make_user()
    decision = start(owner)
    Amendment(decision=decision, author=owner, reason="r", text="t").save()
    call_command("flush", interactive=False, verbosity=0)
    assert DecisionEvent.objects.count() == Amendment.objects.count() == 0
    assert triggers.DECISION_EVENTS.installed(connection) == BOTH
    start(make_user())
    with pytest.raises(IntegrityError), transaction.atomic():
        run_sql("DELETE FROM decisions_decisionevent")


# -- concurrent writers -------------------------------------------------------------------------

WRITERS, ROUNDS = 6, 15


@pytest.mark.django_db(transaction=True)
def test_writers_on_different_decisions_at_once_cannot_fork_the_chain(tmp_path):
    from tests.audit.test_concurrency import database_url_for_writers, run_in_subprocess

    decisions = [start(make_user(), case=f"CASE-{n}") for n in range(WRITERS)]
    database_url = database_url_for_writers(tmp_path)
    go = tmp_path / "go"
    writers = [
        run_in_subprocess(["-m", "tests.audit.decision_event_worker", str(go), str(d.public_id), str(ROUNDS)], database_url)
        for d in decisions
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        go.touch()
        results = [writer.communicate(timeout=120) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert [writer.returncode for writer in writers] == [0] * WRITERS, [err for _, err in results]

    verify = run_in_subprocess(["manage.py", "audit", "verify"], database_url)
    out, err = verify.communicate(timeout=60)
    assert verify.returncode == 0, err
    events = WRITERS * (1 + ROUNDS * 3)  # each decision's started event, then three a round
    assert out.splitlines()[1:] == [f"ok {events} decision events, each chained once and unchanged", NOT_ANCHORED]
    assert out.startswith(f"ok {events} events, head "), out
