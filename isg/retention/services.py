"""Retention: a decision past its date keeps its facts and loses its words.

    plans = find_expired(now)            # what the schedule says is due, nothing written
    result = apply(now, dry_run=False)   # anonymise each, one transaction per decision

The schedule is settings.ISG_RETENTION: years after submission, per outcome id, with a
"default" for every other outcome (schedule.py). A decision is due once `retain_until`
(submission + that many calendar years) has passed; drafts, never submitted, are never due.

Anonymising a decision, in one transaction:
- the case reference becomes `RETAINED-<first 8 hex of its public id>`;
- every rationale and every free-text answer in the path, the closing record, each history
  event's payload, each amendment, and the words of each share and telling (isg/disclosures)
  are blanked (""). What is kept: ids, dates and times,
  answer ids, choice, confirmation and date answers (codes, not words), the engine's state,
  the outcome, status and flags, who acted and when. A value is free text unless the decision's
  flowchart says its field is a choice, confirmation or date, or its payload key is a known code
  (`KEPT_PAYLOAD_KEYS`): anything new is removed, not kept, until someone says otherwise.
- the history rows are rewritten inside `triggers.retention_updates` (the one opening in the
  append-only triggers), and for each changed row a `retention_tombstone` audit event carries
  its new digest (`history.event_digest`), so `audit verify` still passes;
- one more `retention_tombstone` for the decision says what was removed and why: the rule, its
  years, the submission and retention dates, counts per kind of text; never the text itself.

Never anonymised, however old (counted in the result instead): a decision under a legal hold
(holds.py), and one still open: waiting for approval or review, returned, escalated, or with a
follow-up not yet done (isg/followups). The follow-ups' own words (what to do, what was done) are
blanked with the rest once it goes.

Idempotent: a decision with nothing left to remove is skipped, with no event, so a second run
changes nothing. Text added later (an amendment to a retained decision) is removed next run.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from isg.audit import services as audit
from isg.audit import triggers
from isg.audit.models import AuditEvent
from isg.decisions import history, lifecycle
from isg.decisions.models import Amendment, Decision, DecisionEvent
from isg.flowchart.services import flowchart_for
from isg.followups.models import FollowUp

from .models import LegalHold
from .schedule import Rule, Schedule, load_schedule

logger = logging.getLogger(__name__)

MARKER_PREFIX = "RETAINED-"
# Field types whose answers are codes or dates, not words: kept as statistics.
KEPT_FIELD_TYPES = frozenset({"choice", "confirm", "date"})
# Path-step keys that are not free text (the rest of a step is).
KEPT_STEP_KEYS = frozenset({"node", "answer", "answered_at"})
# History payload keys that hold identifiers, codes, digests, times or staff names, not case text.
KEPT_PAYLOAD_KEYS = frozenset({
    "answered_at", "outcome", "state", "page", "format", "container", "export", "sha256", "bytes",
    "flowchart_sha256", "flowchart_version", "replaced_by", "restarted_from", "restarted_from_version",
    "amendment_id", "resolved_by", "routed_by", "review_date", "due_at", "escalated_to", "system",
    "approval_mode", "mode", "answer", "late", "level", "from", "follow_up", "follow_up_kind",
    "handed_over_from", "handed_over_to", "role", "why", "from_status", "purpose", "review_flag",
    "source", "moved_from",
    "path_answers",  # [node id, answer id] pairs kept with a return (isg/approvals/services.py)
    # isg/disclosures: ids, codes, times and yes/no (the words are in "details", which goes).
    "share", "shared_at", "organisation", "method", "receipt_confirmed", "emergency",
    "telling", "told", "how", "not_told_reason", "told_on", "reconsider_by",
})


# The free-text columns of isg/disclosures' rows, blanked with the rest of a decision's words.
DISCLOSURE_TEXT = {
    "share": ("recipient_name", "recipient_person", "what_shared", "withheld", "emergency_reason"),
    "telling": ("told_by", "agreed_by"),
}


@dataclass
class Plan:
    """What anonymising one decision changes. Built from the rows; writes nothing."""

    decision: Decision
    rule: Rule
    retain_until: datetime
    decision_changes: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[DecisionEvent, dict[str, Any]]] = field(default_factory=list)
    amendments: list[tuple[Amendment, str, str]] = field(default_factory=list)
    # What was shared and who was told (isg/disclosures): (model, pk, {text column: ""}).
    disclosures: list[tuple[type, int, dict[str, str]]] = field(default_factory=list)
    follow_ups: list[int] = field(default_factory=list)  # ids of follow-ups with words to blank
    removed: Counter = field(default_factory=Counter)

    @property
    def changes_anything(self) -> bool:
        return bool(self.decision_changes or self.events or self.amendments or self.disclosures
                    or self.follow_ups)


@dataclass
class Result:
    dry_run: bool
    checked: int = 0  # past their date
    anonymised: Counter = field(default_factory=Counter)  # per outcome id
    events: int = 0
    amendments: int = 0
    already: int = 0  # past their date with nothing left to remove
    held: int = 0  # past their date, kept whole under a legal hold
    still_open: int = 0  # past their date, kept whole because still open

    @property
    def total(self) -> int:
        return sum(self.anonymised.values())


# -- finding what is due ------------------------------------------------------------------------


def due(now: datetime | None = None, schedule: Schedule | None = None) -> Iterable[tuple[Decision, Rule, datetime]]:
    """(decision, rule, retain_until) for every submitted decision whose retention date has passed."""
    now = now or timezone.now()
    schedule = schedule or load_schedule()
    # A coarse filter in the database (a day's slack for 29 February), the exact date in Python.
    latest = schedule.earliest_submission_due(now) + timedelta(days=1)
    candidates = (
        Decision.objects.filter(submitted_at__isnull=False, submitted_at__lte=latest)
        .select_related("owner")
        .order_by("submitted_at", "pk")
    )
    for decision in candidates.iterator(chunk_size=500):
        rule = schedule.rule_for(decision.outcome)
        retain_until = rule.retain_until(decision.submitted_at)
        if retain_until <= now:
            yield decision, rule, retain_until


def plan(decision: Decision, rule: Rule, retain_until: datetime) -> Plan:
    """Everything that would change in this decision and its rows."""
    types = _field_types(decision)
    result = Plan(decision=decision, rule=rule, retain_until=retain_until)
    removed = result.removed

    marker = marker_for(decision)
    if decision.case_reference != marker:
        result.decision_changes["case_reference"] = marker
        removed["case_reference"] += 1
    path = [_scrub_step(step, types, removed) for step in decision.path]
    if path != decision.path:
        result.decision_changes["path"] = path
    record = _scrub_fields(decision.record, types, removed, "record_text")
    if record != decision.record:
        result.decision_changes["record"] = record

    for event in models.QuerySet(DecisionEvent).filter(decision=decision).order_by("id"):
        counted = Counter()
        payload = _scrub_payload(event.payload, types, counted)
        if payload != event.payload:
            result.events.append((event, payload))
            removed.update({f"history_{k}": v for k, v in counted.items()})
    for amendment in models.QuerySet(Amendment).filter(decision=decision).order_by("id"):
        reason, text = _blank(amendment.reason, removed, "amendment_text"), _blank(amendment.text, removed, "amendment_text")
        if (reason, text) != (amendment.reason, amendment.text):
            result.amendments.append((amendment, reason, text))
    result.disclosures = _scrub_disclosures(decision, removed)
    for follow_up in FollowUp.objects.filter(decision=decision).order_by("id"):
        if follow_up.description or follow_up.completion_note:
            result.follow_ups.append(follow_up.pk)
            removed["follow_up_text"] += bool(follow_up.description) + bool(follow_up.completion_note)
    return result


def _scrub_disclosures(decision: Decision, removed: Counter) -> list[tuple[type, int, dict[str, str]]]:
    """The words of each share and telling go; the organisation (the directory's), method, times,
    reason codes and dates stay."""
    from isg.disclosures.models import Share, Telling

    found = []
    for model, columns, kind in ((Share, DISCLOSURE_TEXT["share"], "share_text"),
                                 (Telling, DISCLOSURE_TEXT["telling"], "telling_text")):
        for row in model.objects.filter(decision=decision).order_by("id").values("pk", *columns):
            changes = {column: _blank(row[column], removed, kind) for column in columns if row[column]}
            if changes:
                found.append((model, row["pk"], changes))
    return found


# Waiting on someone: never anonymised while so, however old.
OPEN_STATUSES = lifecycle.OPEN


def withheld(decision: Decision) -> str | None:
    """Why retention must leave this decision whole now: "legal_hold", "open", or None."""
    if LegalHold.objects.in_force().filter(decision=decision).exists():
        return "legal_hold"
    if decision.status in OPEN_STATUSES or FollowUp.objects.open().filter(decision=decision).exists():
        return "open"
    return None


def marker_for(decision: Decision) -> str:
    return f"{MARKER_PREFIX}{decision.public_id.hex[:8]}"


# -- applying -----------------------------------------------------------------------------------


def apply(now: datetime | None = None, *, dry_run: bool = False, actor=None, schedule: Schedule | None = None) -> Result:
    """Anonymise every decision that is due; with `dry_run`, only count what would change.

    `actor`: the user who authorised this run (named in the tombstones), or None for the
    scheduled job. Each decision is its own transaction: a failure leaves the others done.
    """
    now = now or timezone.now()
    result = Result(dry_run=dry_run)
    for decision, rule, retain_until in list(due(now, schedule)):
        result.checked += 1
        kept = withheld(decision)
        if kept == "legal_hold":
            result.held += 1
            continue
        if kept == "open":
            result.still_open += 1
            continue
        if dry_run:
            found = plan(decision, rule, retain_until)
        else:
            found = anonymise(decision, rule, retain_until, now=now, actor=actor)
        if found is None or not found.changes_anything:
            result.already += 1
            continue
        result.anonymised[decision.outcome or "(none)"] += 1
        result.events += len(found.events)
        result.amendments += len(found.amendments)
    return result


def anonymise(decision: Decision, rule: Rule, retain_until: datetime, *, now: datetime, actor=None) -> Plan | None:
    """Anonymise one decision in one transaction; None (and nothing written) if nothing was left."""
    with transaction.atomic():
        # The decision's row lock first, then the chain's (audit.append): the order every writer keeps.
        locked = Decision.objects.select_for_update().select_related("owner").get(pk=decision.pk)
        if withheld(locked):  # a hold placed, or a follow-up opened, since it was found due
            return None
        found = plan(locked, rule, retain_until)
        if not found.changes_anything:
            return None
        if found.decision_changes:
            # The revision moves on so that a form still open on the old text is refused as stale.
            Decision.objects.filter(pk=locked.pk).update(revision=models.F("revision") + 1, **found.decision_changes)
        with triggers.retention_updates(connection):
            for event, payload in found.events:
                models.QuerySet(DecisionEvent).filter(pk=event.pk).update(payload=payload)
            for amendment, reason, text in found.amendments:
                models.QuerySet(Amendment).filter(pk=amendment.pk).update(reason=reason, text=text)
        for model, pk, changes in found.disclosures:
            model.objects.filter(pk=pk).update(**changes)
        FollowUp.objects.filter(pk__in=found.follow_ups).update(description="", completion_note="")
        subject = str(locked.public_id)
        for event, payload in found.events:
            event.payload = payload
            audit.append(
                actor=actor, action=AuditEvent.Action.RETENTION_TOMBSTONE, subject_type=history.SUBJECT_TYPE,
                subject_id=subject,
                payload={"event_id": event.pk, "kind": event.kind, "content_sha256": history.event_digest(event),
                         "reason": "retention"},
            )
        audit.append(
            actor=actor, action=AuditEvent.Action.RETENTION_TOMBSTONE, subject_type=history.SUBJECT_TYPE,
            subject_id=subject, payload=tombstone_payload(found, now=now, actor=actor),
        )
    logger.info("retention: decision %s anonymised (%s)", decision.public_id, found.rule.describe())
    return found


def tombstone_payload(found: Plan, *, now: datetime, actor=None) -> dict[str, Any]:
    """What was removed and why, in codes and counts: never the removed text."""
    decision = found.decision
    return {
        "policy": "ISG_RETENTION",
        "rule": found.rule.key,
        "years_after_submission": found.rule.years,
        "outcome": decision.outcome,
        "submitted_at": decision.submitted_at.isoformat(),
        "retain_until": found.retain_until.isoformat(),
        "applied_at": now.isoformat(),
        "authorised_by": actor.get_username() if actor is not None else "scheduled job",
        "removed": dict(sorted(found.removed.items())),
        "events_rewritten": len(found.events),
        "amendments_rewritten": len(found.amendments),
        "disclosures_rewritten": len(found.disclosures),
        "follow_ups_blanked": len(found.follow_ups),
        "kept": "ids, dates, outcome, status, flags, answer ids, choice and date answers",
    }


def tombstones_for(decision: Decision):
    """The decision's own retention tombstones (not the per-event ones), oldest first."""
    return (
        AuditEvent.objects.for_subject(history.SUBJECT_TYPE, str(decision.public_id))
        .filter(action=AuditEvent.Action.RETENTION_TOMBSTONE)
        .exclude(payload__has_key="event_id")
    )


# -- scrubbing ----------------------------------------------------------------------------------


def _field_types(decision: Decision) -> dict[str, str]:
    """field id -> type across the decision's flowchart; {} (everything is text) if it is gone."""
    try:
        flowchart = flowchart_for(decision.flowchart_id)
    except Exception:  # a lost flowchart must not keep text alive: treat every field as text
        logger.warning("retention: flowchart %s not found; every field of %s is treated as text",
                       decision.flowchart_id, decision.public_id)
        return {}
    types: dict[str, str] = {}
    for node in flowchart.nodes.values():
        for spec in node.fields:
            # The same id as text anywhere makes it text everywhere: never keep words by mistake.
            types[spec.id] = spec.type if types.get(spec.id, spec.type) == spec.type else "text"
    return types


def _blank(value: Any, removed: Counter, kind: str) -> Any:
    """"" for a non-empty string (counted), the value itself otherwise; lists and maps all through."""
    if isinstance(value, str):
        if value:
            removed[kind] += 1
            return ""
        return value
    if isinstance(value, list):
        return [_blank(item, removed, kind) for item in value]
    if isinstance(value, Mapping):
        return {key: _blank(item, removed, kind) for key, item in value.items()}
    return value


def _scrub_fields(values: Any, types: Mapping[str, str], removed: Counter, kind: str) -> Any:
    if not isinstance(values, Mapping):
        return _blank(values, removed, kind)
    return {
        key: value if types.get(key) in KEPT_FIELD_TYPES else _blank(value, removed, "summary" if key == "summary" else kind)
        for key, value in values.items()
    }


def _scrub_step(step: Any, types: Mapping[str, str], removed: Counter) -> Any:
    if not isinstance(step, Mapping):
        return _blank(step, removed, "other_text")
    scrubbed = {}
    for key, value in step.items():
        if key in KEPT_STEP_KEYS:
            scrubbed[key] = value
        elif key == "fields":
            scrubbed[key] = _scrub_fields(value, types, removed, "field_text")
        elif key == "rationale":
            scrubbed[key] = _blank(value, removed, "rationale")
        else:
            scrubbed[key] = _blank(value, removed, "other_text")
    return scrubbed


def _scrub_payload(payload: Any, types: Mapping[str, str], removed: Counter) -> Any:
    if not isinstance(payload, Mapping):
        return _blank(payload, removed, "other_text")
    scrubbed = {}
    for key, value in payload.items():
        if key in KEPT_PAYLOAD_KEYS:
            scrubbed[key] = value
        elif key == "previous":  # the step an answer change replaced
            scrubbed[key] = _scrub_step(value, types, removed)
        elif key in ("fields", "record"):
            scrubbed[key] = _scrub_fields(value, types, removed, "field_text")
        elif key == "rationale":
            scrubbed[key] = _blank(value, removed, "rationale")
        else:  # reasons, questions, replies, amendment text, and anything not known to be a code
            scrubbed[key] = _blank(value, removed, "other_text")
    return scrubbed
