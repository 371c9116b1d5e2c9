"""The audit chain's head, signed and kept outside the database.

The chain (chain.py) shows a row changed, inserted or removed in the middle. It cannot show a chain
rewritten from its first event with every hash recomputed, nor its newest events deleted: the
database cannot vouch for its own end. An anchor is a signed note of where the chain ended:

    {"anchored_at": "2026-11-30T02:00:00.000000Z", "events": 1234, "head": "<hash of seq 1234>",
     "key_id": "3f9a0c1d", "last_id": 1290, "signature": "<64 hex>", "v": 1}

- `events` is the chain's length (its last seq), `last_id` that event's row id, `head` its hash
  (GENESIS and null for an empty chain), `anchored_at` UTC as in chain.py.
- `signature` is HMAC-SHA256 keyed with settings.ISG_AUDIT_ANCHOR_KEY, which comes from the
  environment and is never stored in the database, over the canonical JSON (keys sorted, no
  whitespace) of every other field. `key_id` names the key without revealing it.

`write_anchor()` appends one such line to settings.ISG_AUDIT_ANCHOR_PATH, a file the DPO controls
(append-only storage, or shipped off the host), and logs the same object as the JSON log line's
`anchor` field (logger isg.audit.anchors; numbers and hashes only, no personal data). It first
checks that the chain still holds the newest anchor, and refuses to sign over one that does not.
`manage.py audit anchor` runs it, and the housekeeping schedule (isg/housekeeping, job audit_anchor)
runs it every hour from the task worker.

`check_anchors()` (in `manage.py audit verify`) checks every line's signature, then that the chain
holds each anchor in turn: the event at seq `events` is there and its hash is `head`. A rewritten
chain fails the hash, a chain cut short fails the length, a forged line fails the signature.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .chain import GENESIS, canonical_time
from .models import AuditEvent

logger = logging.getLogger("isg.audit.anchors")

VERSION = 1
_FIELDS = {"anchored_at": str, "events": int, "head": str, "key_id": str, "last_id": (int, type(None)), "v": int}
_LOOKUP_CHUNK = 500


class AnchorError(Exception):
    """Anchoring is not configured, or the chain no longer holds the newest anchor: nothing written."""


@dataclass(frozen=True)
class Anchor:
    anchored_at: str
    events: int
    last_id: int | None
    head: str
    key_id: str
    signature: str = ""
    v: int = VERSION

    def signed_content(self) -> bytes:
        fields = {name: value for name, value in asdict(self).items() if name != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")

    def signed(self, key: str) -> Anchor:
        return replace(self, signature=_hmac(key, self.signed_content()))

    def signature_matches(self, key: str) -> bool:
        return hmac.compare_digest(self.signature, _hmac(key, self.signed_content()))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_line(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Anchor:
        """The anchor on one line of an anchor file; ValueError saying why it is not one."""
        try:
            data = json.loads(line)
        except ValueError:
            raise ValueError("not JSON") from None
        if not isinstance(data, dict) or set(data) != {*_FIELDS, "signature"}:
            raise ValueError("not the fields of an anchor")
        for name, kind in _FIELDS.items():
            if not isinstance(data[name], kind) or isinstance(data[name], bool):
                raise ValueError(f"{name} is not a {getattr(kind, '__name__', 'number or null')}")
        if not isinstance(data["signature"], str):
            raise ValueError("signature is not text")
        return cls(**data)

    def describe(self, where: str) -> str:
        return f"the anchor of {self.anchored_at} ({where})"


def key_id(key: str) -> str:
    """Eight hex characters naming the key, from a one-way hash: two files signed alike share it."""
    return hashlib.sha256(b"isg.audit.anchor-key:" + key.encode("utf-8")).hexdigest()[:8]


def _hmac(key: str, content: bytes) -> str:
    return hmac.new(key.encode("utf-8"), content, hashlib.sha256).hexdigest()


def configured_key() -> str:
    key = getattr(settings, "ISG_AUDIT_ANCHOR_KEY", "")
    if not key:
        raise AnchorError("ISG_AUDIT_ANCHOR_KEY is not set: anchors cannot be signed or checked")
    return key


def configured_path() -> Path:
    path = getattr(settings, "ISG_AUDIT_ANCHOR_PATH", None)
    if not path:
        raise AnchorError("ISG_AUDIT_ANCHOR_PATH is not set: there is no anchor file")
    return Path(path)


# -- writing ------------------------------------------------------------------------------------


def current_anchor(*, now: datetime | None = None, key: str) -> Anchor:
    """A signed anchor of the chain as committed now (a committed head always ends a whole prefix:
    appends hold the chain lock until they commit, services.py).

    The time is read after the head, so everything it signs was committed before `anchored_at`:
    a backup taken at a later time holds it (`audit verify --anchored-before`).
    """
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "id", "hash").first()
    events, last_id, digest = head if head else (0, None, GENESIS)
    now = now or timezone.now()
    anchor = Anchor(anchored_at=canonical_time(now), events=events, last_id=last_id, head=digest, key_id=key_id(key))
    return anchor.signed(key)


def write_anchor(*, now: datetime | None = None, path: Path | None = None, key: str | None = None) -> Anchor:
    """Sign the chain's head and append it to the anchor file, then log it; return the anchor.

    The defaults are settings.ISG_AUDIT_ANCHOR_PATH and ISG_AUDIT_ANCHOR_KEY. Refuses (AnchorError)
    when either is unset, when the file's folder does not exist, or when the newest anchor in the
    file is forged or no longer held by the chain (also logged as an error, for alerting): signing
    the chain as it is then would bless the tampering. Appends under an exclusive lock on the file.
    """
    key = key or configured_key()
    path = Path(path) if path else configured_path()
    if not path.parent.is_dir():
        raise AnchorError(f"the anchor file's folder {path.parent} does not exist")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        problem = _newest_problem(path, key)
        if problem:
            logger.error("audit anchor refused: %s", problem)
            raise AnchorError(f"{problem}; no anchor written")
        anchor = current_anchor(now=now, key=key)
        os.write(fd, anchor.to_line().encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock
    logger.info(
        "audit chain anchored: %s events, head %s", anchor.events, anchor.head[:16], extra={"anchor": anchor.as_dict()}
    )
    return anchor


def _newest_problem(path: Path, key: str) -> str:
    newest = None
    for number, line in _lines(path):
        newest = (number, line)
    if newest is None:
        return ""
    number, line = newest
    where = f"{path}, line {number}"
    try:
        anchor = Anchor.from_line(line)
    except ValueError as exc:
        return f"{where} is not an anchor ({exc})"
    return _signature_problem(anchor, key, where) or _chain_problem(anchor, where, *_chain_facts([anchor]))


# -- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorReport:
    """The chain checked against the anchor file: what `audit verify` prints."""

    path: Path | None
    checked: int = 0  # anchors read
    newest: Anchor | None = None
    problem: str = ""  # what is wrong, in one line ("" when nothing is)
    note: str = ""  # why nothing could be checked, when that is not itself a failure
    later: int = 0  # anchors signed at or after `before`, whose signatures alone were checked

    @property
    def ok(self) -> bool:
        return not self.problem

    def __str__(self) -> str:
        if self.problem:
            return f"anchor check failed: {self.problem}"
        if self.note:
            return f"not anchored: {self.note}"
        later = ""
        if self.later:
            later = f" ({_count(self.later, 'later one')} signed, not checked against the chain: after the time given)"
        return (
            f"ok {_count(self.checked, 'anchor')} in {self.path}, each signed and held by the chain; the newest, "
            f"{self.newest.anchored_at}, is {self.newest.events} events, head {self.newest.head[:16]}{later}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


UNANCHORED = (
    "the chain was checked on its own, so deleting its newest events or rewriting all of it would not show; "
    "run `manage.py audit anchor`"
)


def check_anchors(*, path: Path | None = None, key: str | None = None, before: datetime | None = None) -> AnchorReport:
    """Check every anchor in the file against its signature, then against the chain, oldest first.

    The first problem is reported: a line that is not an anchor, or is signed with another key or
    not at all (forged or altered); then an anchor the chain no longer holds, because it has fewer
    events than the anchor signed (the newest were deleted), or the event the anchor signed is
    gone or has another hash (the chain was rewritten). No anchor file: a note, not a failure.
    `before`: only anchors signed before it must be held (a restored backup taken at that time).
    """
    path = Path(path) if path else getattr(settings, "ISG_AUDIT_ANCHOR_PATH", None)
    if not path:
        return AnchorReport(None, note=f"ISG_AUDIT_ANCHOR_PATH is not set; {UNANCHORED}")
    path = Path(path)
    if not path.exists():
        return AnchorReport(path, note=f"no anchor file at {path} yet; {UNANCHORED}")
    key = key or getattr(settings, "ISG_AUDIT_ANCHOR_KEY", "")
    anchors: list[tuple[str, Anchor]] = []
    for number, line in _lines(path):
        where = f"{path}, line {number}"
        try:
            anchor = Anchor.from_line(line)
        except ValueError as exc:
            return AnchorReport(path, len(anchors), problem=f"{where} is not an anchor ({exc})")
        if not key:
            return AnchorReport(path, problem=f"{path} holds anchors but ISG_AUDIT_ANCHOR_KEY is not set to check them")
        problem = _signature_problem(anchor, key, where)
        if problem:
            return AnchorReport(path, len(anchors), problem=problem)
        anchors.append((where, anchor))
    signed = len(anchors)
    if before is not None:
        anchors = [(where, anchor) for where, anchor in anchors if anchor.anchored_at < canonical_time(before)]
    if not anchors:
        when = f" signed before {canonical_time(before)}" if before is not None and signed else ""
        return AnchorReport(path, note=f"{path} holds no anchors{when} yet; {UNANCHORED}", later=signed)
    length, hashes = _chain_facts([anchor for _, anchor in anchors])
    for index, (where, anchor) in enumerate(anchors):
        problem = _chain_problem(anchor, where, length, hashes)
        if problem:
            return AnchorReport(path, len(anchors), anchors[-1][1], problem=problem + _still_held(anchors[:index]))
    return AnchorReport(path, len(anchors), anchors[-1][1], later=signed - len(anchors))


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each non-blank line, read as it goes."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line


def _signature_problem(anchor: Anchor, key: str, where: str) -> str:
    if anchor.key_id != key_id(key):
        return (
            f"{where} is signed with another key (key id {anchor.key_id}, ISG_AUDIT_ANCHOR_KEY's is {key_id(key)}): "
            "the line was forged, or the key was changed"
        )
    if not anchor.signature_matches(key):
        return f"{where}: the signature does not match: the anchor was forged or altered"
    return ""


def _chain_facts(anchors: list[Anchor]) -> tuple[int, dict[int, str]]:
    """The chain's length (its highest seq) and the hashes at the seqs the anchors signed."""
    length = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    wanted = sorted({anchor.events for anchor in anchors if anchor.events > 0})
    hashes = {0: GENESIS}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        hashes.update(AuditEvent.objects.filter(seq__in=chunk).values_list("seq", "hash"))
    return length, hashes


def _chain_problem(anchor: Anchor, where: str, length: int, hashes: dict[int, str]) -> str:
    signed = anchor.describe(where)
    if length < anchor.events:
        missing = anchor.events - length
        which = (
            f"the newest event (seq {anchor.events}) was"
            if missing == 1
            else f"the newest {missing} events (seq {length + 1} to {anchor.events}) were"
        )
        return f"the chain ends at seq {length} but {signed} signed {anchor.events} events: {which} deleted"
    actual = hashes.get(anchor.events)
    if actual is None:
        return f"seq {anchor.events}, the head {signed} signed, is no longer in the table"
    if actual != anchor.head:
        return (
            f"the chain up to seq {anchor.events} is not the one {signed} signed: seq {anchor.events} has hash "
            f"{actual[:16]}, the anchor {anchor.head[:16]}: the chain was rewritten"
        )
    return ""


def _still_held(earlier: list[tuple[str, Anchor]]) -> str:
    """Where the damage starts, at the latest: after the last anchor the chain still holds."""
    if not earlier:
        return ""
    where, anchor = earlier[-1]
    return f" ({where}, at seq {anchor.events}, still holds: the change is after seq {anchor.events})"
