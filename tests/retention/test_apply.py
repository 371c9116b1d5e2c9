"""`manage.py retention apply`: expired decisions lose their words, keep their facts, and the chain verifies."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from isg.audit import triggers
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from isg.decisions import history
from isg.decisions.models import Amendment, Decision, DecisionEvent
from isg.retention import services
from isg.retention.schedule import load_schedule

from .conftest import CANARY, everything_about, snapshot

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", "apply", *args, stdout=out)
    return out.getvalue()


def verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # exits 1 (SystemExit) if anything is broken
    return out.getvalue()


def test_expired_decisions_are_anonymised_and_unexpired_ones_untouched(cases):
    before = {d.pk: everything_about(d) for d in (cases.consent_recent, cases.not_shared_recent)}
    output = run()
    for decision in (cases.approved_old, cases.not_shared_old):
        stored = Decision.objects.get(pk=decision.pk)
        assert stored.case_reference == f"RETAINED-{decision.public_id.hex[:8]}"
        assert stored.summary == ""
        assert CANARY not in everything_about(decision)
        assert "Family court order" not in everything_about(decision)  # a free-text field, not a canary
    for decision in (cases.consent_recent, cases.not_shared_recent):
        assert everything_about(decision) == before[decision.pk]
        assert CANARY in everything_about(decision)
    assert "anonymised 2 decisions" in output
    assert "outcome_do_not_share: 1" in output and "outcome_share_without_consent: 1" in output


def test_the_facts_survive_for_statistics(cases):
    decision = cases.approved_old
    events_before = list(decision.events.order_by("id").values_list("id", "kind", "node", "answer", "actor_id", "at", "revision"))
    run()
    stored = Decision.objects.get(pk=decision.pk)
    kept = ("public_id", "owner_id", "agency_id", "status", "outcome", "state", "flowchart_id", "flowchart_version",
            "current_node", "requires_approval", "is_emergency", "created_at", "updated_at", "submitted_at")
    assert {f: getattr(stored, f) for f in kept} == {f: getattr(decision, f) for f in kept}
    assert stored.status == Decision.Status.APPROVED
    # Answer ids, choices, confirmations and dates stay; words go.
    assert [(s["node"], s["answer"], s["answered_at"]) for s in stored.path] == [
        (s["node"], s["answer"], s["answered_at"]) for s in decision.path
    ]
    fields = {k: v for step in stored.path for k, v in step["fields"].items()}
    assert fields["not_informing_reason"] == "increases_risk"
    assert fields["accuracy_confirmed"] == "yes" and fields["inform_by"] == "1 1 2099"
    assert fields["purpose_statement"] == fields["inform_who"] == fields["summary"] == ""
    assert all(step["rationale"] == "" for step in stored.path)
    assert stored.record == {"review_owner": "", "review_date": "1 1 2099", "follow_up": ""}
    assert list(stored.events.order_by("id").values_list("id", "kind", "node", "answer", "actor_id", "at", "revision")) == events_before
    submitted = stored.events.get(kind=DecisionEvent.Kind.SUBMITTED)
    assert submitted.payload == {"outcome": decision.outcome, "state": decision.state, "approval_mode": "before_sharing"}
    amendment = Amendment.objects.get(decision=decision)
    assert (amendment.reason, amendment.text, amendment.author_id) == ("", "", cases.owner.pk)
    assert stored.revision == decision.revision + 1  # a form still open on the old text is stale


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(cases):
    before = snapshot()
    output = run("--dry-run")
    assert snapshot() == before
    assert "dry run: nothing changed" in output and "would anonymise 2 decisions" in output
    assert "outcome_do_not_share: 1" in output


def test_audit_verify_passes_after_apply(cases):
    run()
    assert verify_chain().ok
    assert history.verify_events().ok, str(history.verify_events())
    assert "ok" in verify()


def test_each_decision_gets_a_tombstone_saying_what_was_removed_and_why(cases):
    decision = cases.approved_old
    rule = load_schedule().rule_for(decision.outcome)
    changed = [event.pk for event, _ in services.plan(decision, rule, rule.retain_until(decision.submitted_at)).events]
    run("--authorised-by", cases.manager.username)
    [tombstone] = services.tombstones_for(decision)
    payload = tombstone.payload
    assert tombstone.actor == cases.manager and payload["authorised_by"] == "mags"
    assert payload["rule"] == "default" and payload["years_after_submission"] == 7
    assert payload["outcome"] == "outcome_share_without_consent"
    assert payload["removed"]["case_reference"] == 1 and payload["removed"]["rationale"] > 0
    assert payload["removed"]["amendment_text"] == 2 and payload["amendments_rewritten"] == 1
    assert payload["events_rewritten"] == len(changed) > 0
    per_event = AuditEvent.objects.for_subject("decision", str(decision.public_id)).filter(
        action=AuditEvent.Action.RETENTION_TOMBSTONE, payload__has_key="event_id",
    )
    assert sorted(e.payload["event_id"] for e in per_event) == sorted(changed)
    for entry in per_event:
        event = DecisionEvent.objects.get(pk=entry.payload["event_id"])
        assert entry.payload["content_sha256"] == history.event_digest(event)
    assert CANARY not in json.dumps(list(AuditEvent.objects.values_list("payload", flat=True)))
    [other] = services.tombstones_for(cases.not_shared_old)
    assert other.payload["rule"] == "outcome_do_not_share" and other.payload["years_after_submission"] == 2
    assert not services.tombstones_for(cases.consent_recent).exists()


def test_a_second_run_is_a_no_op(cases):
    run()
    before = snapshot()
    output = run()
    assert snapshot() == before
    assert "anonymised 0 decisions" in output and "2 past their date were already anonymised" in output


def test_text_added_to_a_retained_decision_goes_on_the_next_run(cases):
    run()
    decision = Decision.objects.get(pk=cases.approved_old.pk)
    history.amend(decision=decision, actor=cases.owner, reason=f"{CANARY} late", text=f"{CANARY} later note")
    assert CANARY in everything_about(decision)
    assert "anonymised 1 decisions" in run()
    assert CANARY not in everything_about(decision)
    assert services.tombstones_for(decision).count() == 2
    assert "ok" in verify()


def test_the_triggers_still_refuse_a_plain_update_outside_retention(cases):
    run()
    event = cases.approved_old.events.first()
    amendment = Amendment.objects.get(decision=cases.approved_old)
    assert triggers.DECISION_EVENTS.installed(connection) == {"decision_event_refuse_update", "decision_event_refuse_delete"}
    assert triggers.AMENDMENTS.installed(connection) == {"amendment_refuse_update", "amendment_refuse_delete"}
    refused = [
        ("UPDATE decisions_decisionevent SET payload = payload WHERE id = %s", event.pk, "decisions_decisionevent"),
        ("UPDATE decisions_amendment SET text = 'rewritten' WHERE id = %s", amendment.pk, "decisions_amendment"),
        ("DELETE FROM decisions_decisionevent WHERE id = %s", event.pk, "decisions_decisionevent"),
    ]
    for sql, pk, table in refused:
        with pytest.raises(IntegrityError, match=f"{table} is append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql, [pk])


def test_inside_the_retention_window_only_the_free_text_columns_may_change(cases):
    event = cases.approved_old.events.first()
    plain = models.QuerySet(DecisionEvent).filter(pk=event.pk)
    attempts = [
        lambda: plain.update(kind="approved"),
        lambda: plain.update(payload={}, answer="no"),
        lambda: plain._raw_delete(connection.alias),
        lambda: models.QuerySet(AuditEvent).filter(pk=AuditEvent.objects.first().pk).update(action="approved"),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), triggers.retention_updates(connection):
            attempt()
    with transaction.atomic(), triggers.retention_updates(connection):
        plain.update(payload={"rationale": ""})  # what retention does; rolled back below
        transaction.set_rollback(True)
    assert DecisionEvent.objects.get(pk=event.pk).payload == event.payload


def test_the_window_closes_behind_itself_within_the_transaction(cases):
    event = cases.approved_old.events.first()
    with transaction.atomic():
        with triggers.retention_updates(connection):
            pass
        with pytest.raises(IntegrityError), transaction.atomic():
            models.QuerySet(DecisionEvent).filter(pk=event.pk).update(payload={})


def test_drafts_are_never_due(cases):
    from tests.factories import make_decision

    draft = make_decision(cases.owner, "outcome_do_not_share", case_reference=f"{CANARY}-draft", text=CANARY)
    Decision.objects.filter(pk=draft.pk).update(created_at=draft.created_at.replace(year=2000))
    run()
    assert CANARY in everything_about(draft)
