"""Writing to the audit chain and checking it.

Call `append` inside the transaction that makes the change it records, after that change's own
writes, so the change and its event commit together or not at all:

    with transaction.atomic():
        _update(decision, revision, status=...)          # your rows first ...
        audit.append(                                     # ... then the chain
            actor=user, action=AuditEvent.Action.SUBMITTED, subject_type="decision",
            subject_id=str(decision.public_id), payload={"outcome": outcome.id},
        )

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the
write lock every transaction takes at BEGIN IMMEDIATE. Either way the lock is held until the
caller's transaction ends, so the chain's order is the commit order and two writers can never
chain to the same event. Taking your own row locks before the chain's keeps the lock order fixed.
Use the default READ COMMITTED isolation on PostgreSQL: the head must be read after the lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .chain import GENESIS, canonical_json, normalise_payload, row_hash
from .models import AuditEvent

# pg_advisory_xact_lock takes a signed 64-bit key: this one is ours alone.
CHAIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"isg.audit.chain").digest()[:8], "big", signed=True)

_FIELDS = ("id", "seq", "at", "actor_id", "action", "subject_type", "subject_id", "payload", "prev_hash", "hash")


def append(
    *,
    actor,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the end of the chain and return it.

    `actor` is a saved user, or None for the system. `payload` holds identifiers and codes only
    (strings, integers, booleans, null, lists, mappings; no floats). Joins the caller's
    transaction if there is one, else runs in its own. Raises ValueError for a bad argument.
    """
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    subject_id = str(subject_id)
    if not subject_type or len(subject_type) > 40 or not subject_id or len(subject_id) > 100:
        raise ValueError("subject_type (up to 40 characters) and subject_id (up to 100) are required")
    if actor is not None and getattr(actor, "pk", None) is None:
        raise ValueError("the actor must be a saved user, or None for the system")
    actor_id = actor.pk if actor is not None else None
    payload = normalise_payload(payload)

    with transaction.atomic():
        _lock_chain()
        head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        at = timezone.now()  # after the lock, so times ascend with seq
        canonical = canonical_json(
            seq=seq, at=at, actor_id=actor_id, action=str(action), subject_type=subject_type,
            subject_id=subject_id, payload=payload,
        )
        event = AuditEvent(
            seq=seq, at=at, actor_id=actor_id, action=str(action), subject_type=subject_type,
            subject_id=subject_id, payload=payload, prev_hash=prev_hash, hash=row_hash(prev_hash, canonical),
        )
        event.save(force_insert=True)
    return event


def lock_chain() -> None:
    """Take the chain lock now, inside the caller's transaction, until it ends (see the module doc).

    `append` takes it itself; a caller that must order its own inserts by the chain (the decision
    history gives out event ids in chain order) takes it first.
    """
    _lock_chain()


def _lock_chain() -> None:
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    elif connection.vendor == "sqlite":
        if str(connection.settings_dict.get("OPTIONS", {}).get("transaction_mode", "")).upper() != "IMMEDIATE":
            raise ImproperlyConfigured("the audit chain needs SQLite transactions to BEGIN IMMEDIATE")
    else:
        raise ImproperlyConfigured(f"the audit chain has no lock for {connection.vendor}")


# -- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain is not what was written."""

    seq: int
    id: int | None  # None when the row is missing
    problem: str  # "content changed", "row missing", "inserted", "reordered" or "link broken"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    events: int  # sound events before the break (all of them when ok)
    head: str  # the hash of the last sound event
    broken: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is None:
            return f"ok {self.events} events, head {self.head[:16]}"
        where = f"seq {self.broken.seq}" + (f" (id {self.broken.id})" if self.broken.id is not None else "")
        return f"broken at {where}: {self.broken.problem}: {self.broken.detail}"


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk every event in seq order, in constant memory, recomputing each hash and link."""
    count, prev_hash, prev_seq, bad = 0, GENESIS, 0, None
    rows = AuditEvent.objects.order_by("seq").values_list(*_FIELDS, named=True).iterator(chunk_size=chunk_size)
    for row in rows:
        if row.seq != prev_seq + 1 or row.prev_hash != prev_hash or _recomputed(row) != row.hash:
            bad = row
            break
        count, prev_hash, prev_seq = count + 1, row.hash, row.seq
    rows.close()
    if bad is None:
        return ChainReport(count, prev_hash)
    return ChainReport(count, prev_hash, _diagnose(bad, prev_seq, prev_hash))


def _recomputed(row, seq: int | None = None) -> str:
    return row_hash(
        row.prev_hash,
        canonical_json(
            seq=row.seq if seq is None else seq, at=row.at, actor_id=row.actor_id, action=row.action,
            subject_type=row.subject_type, subject_id=row.subject_id, payload=row.payload,
        ),
    )


def _written_as(row, *, search: int = 1000) -> int | None:
    """The seq the row's hash was computed with, if it is at most `search` above where it is now."""
    return next((seq for seq in range(row.seq, row.seq + search + 1) if _recomputed(row, seq) == row.hash), None)


def _diagnose(row, prev_seq: int, prev_hash: str) -> ChainBreak:
    """Say what went wrong at `row`, the first event that does not follow from the one before."""
    expected = prev_seq + 1
    if row.seq > expected:
        gap = f"{expected}" if row.seq == expected + 1 else f"{expected} to {row.seq - 1}"
        return ChainBreak(expected, None, "row missing", f"no event with seq {gap}; the next is seq {row.seq}")
    if row.seq < expected:
        return ChainBreak(row.seq, row.id, "inserted", f"seq {row.seq} is out of sequence (expected {expected})")
    if row.prev_hash == prev_hash:
        return ChainBreak(row.seq, row.id, "content changed", "the event no longer matches its hash")
    target = AuditEvent.objects.filter(hash=row.prev_hash).values_list("seq", flat=True).first()
    if target is None:
        written_as = _written_as(row)
        if written_as == row.seq:
            return ChainBreak(row.seq, row.id, "row missing", "the event it is chained to is no longer in the table")
        if written_as is not None:
            return ChainBreak(
                row.seq, row.id, "row missing",
                f"it was written as seq {written_as}: the event it is chained to is no longer in the table"
                " and the later events were renumbered",
            )
        return ChainBreak(row.seq, row.id, "link broken", "it is not chained to the event before it")
    if target > row.seq:
        return ChainBreak(
            row.seq, row.id, "reordered", f"it is chained to the event now at seq {target}, which comes after it"
        )
    if target < prev_seq:
        first = target + 1
        first_id = AuditEvent.objects.filter(seq=first).values_list("id", flat=True).first()
        span = f"seq {first}" if first == prev_seq else f"seq {first} to {prev_seq}"
        return ChainBreak(
            first, first_id, "inserted", f"{span} is not part of the chain: seq {row.seq} is chained to seq {target}"
        )
    return ChainBreak(row.seq, row.id, "link broken", "it is not chained to the event before it")
