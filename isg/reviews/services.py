"""Flagging a decision for audit or learning review, and clearing the flag: each with a note, on the
decision's history (and so its audit chain).

    flag(decision, actor, purpose="audit", note="...")      # a partnership officer
    clear(decision, actor, flag_id=..., note="...")          # the same, once the review is done
    flags_for(decision)                                      # every flag, open first

Who sees the flags is isg/access/services.py `sees_review_flags` (the partnership, and line
managers of the decision's agency); who raises and clears them is `may_flag_for_review`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.access.services import may_flag_for_review
from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.lib.text import validate_plain_text

from .models import ReviewFlag

Kind = DecisionEvent.Kind


class NotAllowed(Exception):
    """Only partnership staff who may read the decision flag it or clear a flag."""


class NoteRequired(ValueError):
    """A flag and its clearing each need a note, in plain words; the message says what is wrong."""


class AlreadyFlagged(Exception):
    """The decision already has an open flag for this purpose (a second click, or a colleague)."""


class AlreadyCleared(Exception):
    """The flag was cleared already (a second click, or a colleague), or is not this decision's."""


def _note(note: object, message: str) -> str:
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise NoteRequired(message)
    try:
        validate_plain_text(note)
    except ValidationError as refused:
        raise NoteRequired(refused.messages[0]) from None
    return note


def flag(decision: Decision, actor: User, *, purpose: str, note: str) -> ReviewFlag:
    """Flag the decision for `purpose` (audit or learning review) with the officer's note."""
    if not may_flag_for_review(actor, decision):
        raise NotAllowed(decision.public_id)
    if purpose not in ReviewFlag.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    note = _note(note, "Enter why you are flagging this decision")
    try:
        with transaction.atomic():
            if ReviewFlag.objects.open().filter(decision=decision, purpose=purpose).exists():
                raise AlreadyFlagged(decision.public_id)
            event = history.record(decision, actor, Kind.REVIEW_FLAGGED, purpose=purpose, note=note)
            review_flag = ReviewFlag.objects.create(
                decision=decision, purpose=purpose, raised_by=actor, raised_at=timezone.now(), raised_event=event,
            )
            return review_flag
    except IntegrityError:
        # A colleague's (or a second tab's) flag for the same purpose landed first.
        raise AlreadyFlagged(decision.public_id) from None


def clear(decision: Decision, actor: User, *, flag_id: int, note: str) -> ReviewFlag:
    """Clear one open flag on this decision, with a note saying what the review found."""
    if not may_flag_for_review(actor, decision):
        raise NotAllowed(decision.public_id)
    note = _note(note, "Enter why you are clearing the flag")
    review_flag = ReviewFlag.objects.filter(pk=flag_id, decision=decision).first()
    if review_flag is None:
        raise AlreadyCleared(flag_id)
    with transaction.atomic():
        now = timezone.now()
        won = ReviewFlag.objects.filter(pk=review_flag.pk, cleared_at__isnull=True).update(
            cleared_at=now, cleared_by=actor,
        )
        if not won:
            raise AlreadyCleared(flag_id)
        event = history.record(decision, actor, Kind.REVIEW_FLAG_CLEARED, purpose=review_flag.purpose,
                               review_flag=review_flag.pk, note=note)
        ReviewFlag.objects.filter(pk=review_flag.pk).update(cleared_event=event)
    review_flag.refresh_from_db()
    return review_flag


def flags_for(decision: Decision) -> list[ReviewFlag]:
    """Every flag on the decision, open ones first, each oldest first, with who and the notes."""
    found = ReviewFlag.objects.filter(decision=decision).select_related(
        "raised_by", "cleared_by", "raised_event", "cleared_event")
    return sorted(found, key=lambda f: (not f.is_open, f.raised_at, f.pk))


def open_flags(decision: Decision) -> list[ReviewFlag]:
    return [f for f in flags_for(decision) if f.is_open]
