"""The hash chain's arithmetic, kept free of the database so it can be read and re-implemented.

Each event's hash is

    sha256( prev_hash + canonical )            (hex digest, 64 lower-case characters)

where `prev_hash` is the previous event's hash as 64 ASCII hex characters (GENESIS, 64 zeros, for
the first event) and `canonical` is the UTF-8 encoding of this JSON object:

    {"action": "answered", "actor": 7, "at": "2026-11-30T10:51:53.123456Z",
     "payload": {...}, "seq": 1, "subject_id": "0b9c...", "subject_type": "decision"}

- keys sorted at every level, separators "," and ":" (no whitespace), non-ASCII left as UTF-8;
- `at` in UTC, always with six digits of microseconds and a "Z";
- `actor` is the user's id, or null for the system;
- `payload` holds only strings, integers, booleans, null, lists and objects with string keys.
  Floats are refused: their text form does not survive every database's JSON type unchanged.

Example: `row_hash(GENESIS, canonical_json(seq=1, at=..., ...))` is the first event's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


class PayloadError(ValueError):
    """The payload holds something the canonical form cannot carry unchanged."""


def canonical_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(
    *, seq: int, at: datetime, actor_id: int | None, action: str, subject_type: str, subject_id: str, payload: Any
) -> bytes:
    document = {
        "action": action,
        "actor": actor_id,
        "at": canonical_time(at),
        "payload": payload,
        "seq": seq,
        "subject_id": subject_id,
        "subject_type": subject_type,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def normalise_payload(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of the payload in plain JSON types (tuples become lists), or PayloadError."""
    if payload is None:
        return {}
    if not isinstance(payload, Mapping):
        raise PayloadError("the payload must be a mapping")
    return _plain(payload, "payload")


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise PayloadError(f"{where} holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise PayloadError(f"{where} is not valid Unicode") from exc
        return value
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise PayloadError(f"{where} has a key that is not a string: {key!r}")
            plain[_plain(key, where)] = _plain(item, f"{where}.{key}")
        return plain
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise PayloadError(f"{where} is a {type(value).__name__}; use strings, integers, booleans, lists or mappings")
