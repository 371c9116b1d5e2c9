"""A decision's history: every DecisionEvent is written here and chained into the audit history.

    history.record(decision, actor, DecisionEvent.Kind.APPROVED, reason=...)   # one event
    history.record_many([history.build(...), history.build(...)])              # several, in order
    history.viewed(request, decision)                                          # once per request

Each event row is inserted and, in the same transaction, an AuditEvent is appended under the
event's own kind with subject ("decision", public_id) and the payload

    {"event_id": 42, "kind": "changed", "node": "consent", "answer": "no", "revision": 7,
     "content_sha256": "<sha256 of the event's canonical content>"}

where the canonical content is the JSON object (keys sorted, no whitespace, UTF-8; times as in
isg/audit/chain.py)

    {"actor": 7, "answer": "no", "at": "2026-11-30T10:51:53.123456Z", "decision": "<public_id>",
     "kind": "changed", "node": "consent", "payload": {...}, "revision": 7}

The chain holds the digest, never the free text: retention (issue 8) can blank an event's text
and append a `retention_tombstone` audit event {"event_id": 42, "content_sha256": <new digest>,
...}; `verify_events` then checks the row against the newest tombstone's digest instead.

Order: the chain lock is taken before the rows are inserted, so event ids are given out in chain
order, and `verify_events` can walk the events (by id) and their chain entries (by seq) in step,
in constant memory. Callers take their own row locks (the decision's conditional UPDATE) first.

`DecisionEvent.save()` and `DecisionEvent.objects.bulk_create()` route here too, so no event can
be written unchained by the ORM; `audit verify` catches any written behind it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from isg.access.services import may
from isg.audit import services as audit
from isg.audit.chain import canonical_time, normalise_payload
from isg.audit.models import AuditEvent
from isg.engine import Step

from .models import Amendment, Decision, DecisionEvent

SUBJECT_TYPE = "decision"
TOMBSTONE = AuditEvent.Action.RETENTION_TOMBSTONE
_VIEWED_ATTR = "_isg_decisions_viewed"


class NotAmendable(Exception):
    """The decision can still be changed directly (or was never recorded): no amendment applies."""


# -- writing ------------------------------------------------------------------------------------


def build(decision: Decision, actor, kind: str, step: Step | None = None, **payload: Any) -> DecisionEvent:
    """An unsaved event: a step's answer and data (if any) with `payload` on top."""
    if step is not None:
        payload = {**dict(step.data), **payload}
    return DecisionEvent(
        decision=decision, actor=actor, kind=kind, node=step.node if step else "",
        answer=step.answer if step else "", payload=payload, revision=decision.revision,
    )


def record(decision: Decision, actor, kind: str, step: Step | None = None, **payload: Any) -> DecisionEvent:
    """Insert one event and chain it, in one transaction (the caller's, if there is one)."""
    return record_many([build(decision, actor, kind, step, **payload)])[0]


def record_many(events: Iterable[DecisionEvent]) -> list[DecisionEvent]:
    """Insert unsaved events in the order given and chain each one, in one transaction.

    Raises ValueError for a kind the chain does not know, audit.PayloadError for a payload the
    canonical form cannot carry (floats, NUL characters).
    """
    events = list(events)
    for event in events:
        if event.pk is not None:
            raise TypeError("decision history is append-only")
        if event.kind not in AuditEvent.Action.values:
            raise ValueError(f"add {event.kind!r} to isg.audit.models.AuditEvent.Action before recording it")
        # Stored exactly as hashed: plain JSON types, so the database hands back what was digested.
        event.payload = normalise_payload(event.payload)
    if not events:
        return events
    with transaction.atomic():
        audit.lock_chain()  # before the ids are given out: id order is chain order
        models.QuerySet(DecisionEvent).bulk_create(events)  # the plain QuerySet: the model's routes here
        for event in events:
            if event.pk is None:  # pragma: no cover - every supported database returns ids
                raise RuntimeError("the database did not return the new events' ids")
            audit.append(
                actor=event.actor, action=event.kind, subject_type=SUBJECT_TYPE,
                subject_id=str(event.decision.public_id), payload=chain_payload(event),
            )
    return events


def viewed(request: HttpRequest, decision: Decision) -> DecisionEvent | None:
    """Record that the signed-in user was shown this decision's content: once per request.

    Call it from every view that shows a recorded decision's content (outcome, history, approval,
    export). Drafts are skipped: their owner is still writing them, and every answer is logged.
    """
    if decision.status == Decision.Status.DRAFT or not request.user.is_authenticated:
        return None
    seen = request.__dict__.setdefault(_VIEWED_ATTR, set())
    if decision.pk in seen:
        return None
    seen.add(decision.pk)
    match = getattr(request, "resolver_match", None)
    return record(decision, request.user, DecisionEvent.Kind.VIEWED, page=match.view_name if match else "")


def amend(*, decision: Decision, actor, reason: str, text: str) -> Amendment:
    """Add a correction to a recorded decision; the original answers stay exactly as they were.

    Who may amend is the access table's `amend` action: the owner, or a line manager who holds
    the decision (the view asks `decision_for`; asked again here in case another caller does
    not). Raises NotAmendable for a decision that can still be edited (draft, returned) or was
    superseded, PermissionError for anyone else, ValueError for an empty reason or text.
    """
    if not reason.strip() or not text.strip():
        raise ValueError("an amendment needs a reason and the corrected text")
    if decision.status in (Decision.Status.DRAFT, Decision.Status.RETURNED, Decision.Status.SUPERSEDED):
        raise NotAmendable(decision.public_id)
    if not may(actor, decision, "amend"):
        raise PermissionError("only the decision's owner or a line manager who holds it may amend it")
    with transaction.atomic():
        amendment = Amendment(decision=decision, author=actor, reason=reason, text=text)
        amendment.save(force_insert=True)
        record(decision, actor, DecisionEvent.Kind.AMENDED, amendment_id=amendment.pk, reason=reason, text=text)
    return amendment


# -- the digest ---------------------------------------------------------------------------------


def canonical_content(
    *, decision: str, actor: int | None, kind: str, node: str, answer: str, revision: int, at, payload: Any
) -> bytes:
    document = {
        "actor": actor, "answer": answer, "at": canonical_time(at), "decision": str(decision), "kind": kind,
        "node": node, "payload": payload, "revision": revision,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(**content: Any) -> str:
    return hashlib.sha256(canonical_content(**content)).hexdigest()


def event_digest(event: DecisionEvent) -> str:
    return content_sha256(
        decision=str(event.decision.public_id), actor=event.actor_id, kind=event.kind, node=event.node,
        answer=event.answer, revision=event.revision, at=event.at, payload=event.payload,
    )


def chain_payload(event: DecisionEvent) -> dict[str, Any]:
    """What the audit chain holds for an event: identifiers, codes and the digest; no free text."""
    return {
        "event_id": event.pk, "kind": event.kind, "node": event.node, "answer": event.answer,
        "revision": event.revision, "content_sha256": event_digest(event),
    }


# -- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventBreak:
    """The first decision event that does not match the audit chain."""

    event_id: int
    problem: str  # "changed", "reordered", "unchained", "deleted", "chained twice"
    detail: str

    def __str__(self) -> str:
        return f"decision event {self.event_id}: {self.problem}: {self.detail}"


@dataclass(frozen=True)
class EventReport:
    events: int  # events checked and sound before the break (all of them when ok)
    broken: EventBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is None:
            return f"ok {self.events} decision events, each chained once and unchanged"
        return f"broken at {self.broken}"


_ROW_FIELDS = ("id", "decision__public_id", "actor_id", "kind", "node", "answer", "revision", "at", "payload")


def _rows():
    plain = models.QuerySet(DecisionEvent)
    return plain.order_by("id").values_list(*_ROW_FIELDS, named=True)


def _entries():
    return (
        AuditEvent.objects.filter(subject_type=SUBJECT_TYPE, payload__has_key="event_id")
        .exclude(action=TOMBSTONE)
        .order_by("seq")
        .values_list("seq", "actor_id", "action", "subject_id", "payload", named=True)
    )


def _row_digest(row) -> str:
    return content_sha256(
        decision=str(row.decision__public_id), actor=row.actor_id, kind=row.kind, node=row.node,
        answer=row.answer, revision=row.revision, at=row.at, payload=row.payload,
    )


def _describe(row) -> str:
    return f"({row.kind} in decision {row.decision__public_id})"


def verify_events(*, chunk_size: int = 2000) -> EventReport:
    """Check every DecisionEvent against the audit chain; name the first that does not match.

    Untouched, the events in id order and their chain entries in seq order pair up one to one,
    each row matching its entry's fields and digest (or its newest retention tombstone's digest).
    A row changed, deleted, inserted or moved behind the ORM breaks the pairing or the digest.
    Run `audit.verify_chain` too: this trusts the entries it reads, which that one checks.
    """
    tombstones = _tombstones()
    rows = _rows().iterator(chunk_size=chunk_size)
    entries = _entries().iterator(chunk_size=chunk_size)
    count, broken = 0, None
    row, entry = next(rows, None), next(entries, None)
    while row is not None or entry is not None:
        if row is not None and entry is not None and entry.payload.get("event_id") == row.id:
            broken = _compare(row, entry, tombstones)
            if broken:
                break
            count += 1
            row, entry = next(rows, None), next(entries, None)
            continue
        broken = _unpaired(row, entry)
        break
    rows.close()
    entries.close()
    return EventReport(count, broken)


def _tombstones() -> dict[int, str]:
    """Retention's new digests, newest last: {event_id: content_sha256}."""
    found = (
        AuditEvent.objects.filter(subject_type=SUBJECT_TYPE, action=TOMBSTONE, payload__has_key="event_id")
        .order_by("seq")
        .values_list("payload", flat=True)
    )
    return {payload["event_id"]: payload.get("content_sha256") for payload in found.iterator()}


def _compare(row, entry, tombstones: dict[int, str]) -> EventBreak | None:
    payload = entry.payload
    digest = _row_digest(row)
    expected = tombstones.get(row.id, payload.get("content_sha256"))
    fields_match = (
        entry.action == row.kind == payload.get("kind") and payload.get("node") == row.node
        and payload.get("answer") == row.answer and payload.get("revision") == row.revision
        and entry.subject_id == str(row.decision__public_id) and entry.actor_id == row.actor_id
    )
    if fields_match and digest == expected:
        return None
    moved = _chained_elsewhere(digest, row.id)
    if moved is not None:
        return EventBreak(
            row.id, "reordered",
            f"the row {_describe(row)} holds the content chained for event {moved[0]} at seq {moved[1]}",
        )
    return EventBreak(row.id, "changed", f"the row {_describe(row)} no longer matches its chain entry at seq {entry.seq}")


def _chained_elsewhere(digest: str, event_id: int) -> tuple[int, int] | None:
    """(event id, seq) of another event whose chained digest is this content's, if any."""
    found = (
        AuditEvent.objects.filter(subject_type=SUBJECT_TYPE, payload__content_sha256=digest)
        .exclude(payload__event_id=event_id)
        .order_by("seq")
        .values_list("payload", "seq")
        .first()
    )
    return (found[0].get("event_id"), found[1]) if found else None


def _unpaired(row, entry) -> EventBreak:
    """The row and the entry at the walk's position belong to different events: say which is wrong."""
    if entry is None or (row is not None and row.id < entry.payload.get("event_id", 0)):
        # This row has no entry here: never chained (inserted behind the app), or chained out of order.
        chained = _entries().filter(payload__event_id=row.id).values_list("seq", flat=True)
        seqs = list(chained[:2])
        if seqs:
            return EventBreak(row.id, "reordered", f"the row {_describe(row)} is chained at seq {seqs[0]}, out of order")
        moved = _chained_elsewhere(_row_digest(row), row.id)
        if moved is not None:
            return EventBreak(
                row.id, "reordered",
                f"the row {_describe(row)} holds the content chained for event {moved[0]} at seq {moved[1]}",
            )
        return EventBreak(
            row.id, "unchained", f"the row {_describe(row)} has no entry in the audit chain: it was added behind the app"
        )
    event_id = entry.payload.get("event_id")
    if models.QuerySet(DecisionEvent).filter(pk=event_id).exists():
        times = _entries().filter(payload__event_id=event_id).count()
        if times > 1:
            return EventBreak(event_id, "chained twice", f"the event has {times} entries in the audit chain (seq {entry.seq})")
        return EventBreak(event_id, "reordered", f"the event chained at seq {entry.seq} is out of order")
    return EventBreak(
        event_id, "deleted",
        f"the {entry.action} event in decision {entry.subject_id}, chained at seq {entry.seq}, is no longer in the table",
    )
