"""Recording what happened after a decision: each share made, and whether the person was told.

    permission = sharing_allowed(decision)        # may the owner record a share now? and why not
    record_share(decision=..., actor=..., token=..., shared_at=..., ...)
    record_telling(decision=..., actor=..., token=..., told=False, not_told_reason=..., reconsider_by=...)
    disclosures_for(decision)                     # the shares and tellings, for pages and the PDF

Only the decision's owner records either. Each is a row here and a DecisionEvent on the
decision's history (and so its audit chain), written in one transaction. A repeated post of the
same form (its one-time token) records nothing more and returns the first row.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.accounts.models import User
from isg.approvals import policy
from isg.approvals import services as approvals
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.directory.models import Organisation
from isg.flowchart.services import current_flowchart, flowchart_for
from isg.followups import services as followups
from isg.followups.models import FollowUp

from .models import Share, Telling

Status = Decision.Status
Kind = DecisionEvent.Kind

# Shared, or may be: approved before sharing, or shared at once under a review after sharing
# (waiting, agreed, or disagreed: a disagreement never withdraws the share).
_SHARING_STATUSES = (Status.APPROVED, Status.AWAITING_REVIEW, Status.AGREED, Status.DISAGREED)

NOT_OWNER = "Only the practitioner who made this decision can record what was shared."
WAITING_MESSAGE = ("Your manager has not approved sharing yet, so you cannot record a share. Wait for the "
                   "approval, or if it was an emergency and you shared before the approval came, say so and why.")
NOT_SHARING_MESSAGE = "This decision does not allow sharing, so there is no share to record."
RETURNED_MESSAGE = ("Your manager returned this decision with a question before approving it, so you cannot record "
                    "a share yet. Answer the question and submit it again.")


class NotOwner(PermissionError):
    """Only the decision's owner records shares and tellings."""


class SharingNotAllowed(Exception):
    """The decision does not (yet) allow sharing: the message says why, in words for the page."""

    def __init__(self, message: str, *, emergency_possible: bool = False) -> None:
        super().__init__(message)
        self.message, self.emergency_possible = message, emergency_possible


class InvalidShare(ValueError):
    """A value the form should have refused: {field: message}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Permission:
    allowed: bool
    message: str = ""
    # Waiting for an approval before sharing: an emergency share, with its reason, is still recorded
    # (and the decision becomes a review after sharing).
    emergency_possible: bool = False


def sharing_allowed(decision: Decision) -> Permission:
    """Whether the information in this decision may have been shared, so a share can be recorded.

    The ONE rule (isg/approvals/policy.py says what each approver's answer means):

    - approved before sharing; or shared at once under a review after sharing (waiting for the
      review, agreed, or disagreed: the share stands); or a returned after-sharing review;
    - recorded with no approval needed, when the outcome is one that shares (consent given, a
      legal duty, no consent needed, anonymised): the flowchart's `shares:` flag;
    - before flowchart 1.2, an emergency waiting for its retrospective approval (shared already).

    Not allowed: a draft; waiting for an approval before sharing (an emergency route is offered);
    returned before sharing; not approved; an outcome that does not share; escalated, resolved or
    superseded.
    """
    status = decision.status
    if status in _SHARING_STATUSES:
        return Permission(True)
    mode = approvals.mode_of(decision)
    if status in (Status.AWAITING_APPROVAL, Status.RETURNED) and mode == policy.AFTER:
        return Permission(True)  # shared already; the review (or its question) follows
    if status == Status.AWAITING_APPROVAL:
        return Permission(False, WAITING_MESSAGE, emergency_possible=True)
    if status == Status.RETURNED:
        return Permission(False, RETURNED_MESSAGE)
    if status == Status.RECORDED and not decision.requires_approval and _outcome_shares(decision):
        return Permission(True)
    return Permission(False, NOT_SHARING_MESSAGE)


def _outcome_shares(decision: Decision) -> bool:
    flowchart = flowchart_for(decision.flowchart_id)
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    if outcome is None:
        return False
    if any(o.shares for o in flowchart.outcomes):
        return outcome.shares
    # Before 1.1 outcomes had no `shares:` flag: every outcome but "do not share" and "seek advice" shared.
    return outcome.id not in ("outcome_do_not_share", approvals.SEEK_ADVICE)


def may_record(user: User, decision: Decision) -> bool:
    """Whether this person may record shares and tellings on this decision at all (its owner)."""
    return user.is_authenticated and decision.owner_id == user.pk and user.can_make_decisions


def telling_allowed(decision: Decision) -> bool:
    """Who was told follows a share: when sharing is allowed, or a share has been recorded."""
    return sharing_allowed(decision).allowed or decision.shares.exists()


# -- the flowchart's reasons not to tell ------------------------------------------------------------

REASON_FIELD = "not_informing_reason"


def not_told_reasons(decision: Decision | None = None) -> list[tuple[str, str]]:
    """The flowchart's own reasons not to tell the person (the inform question's field), as (id, label).

    From the decision's flowchart, else the current one."""
    flowcharts = [flowchart_for(decision.flowchart_id)] if decision is not None else []
    flowcharts.append(current_flowchart())
    for flowchart in flowcharts:
        for node in flowchart.nodes.values():
            for found in node.fields:
                if found.id == REASON_FIELD and found.choices:
                    return [(choice.id, choice.label) for choice in found.choices]
    return []


def reason_label(decision: Decision, reason_id: str) -> str:
    return dict(not_told_reasons(decision)).get(reason_id, reason_id)


# -- writing ----------------------------------------------------------------------------------------


def record_share(
    *, decision: Decision, actor: User, token: uuid.UUID, shared_at: datetime.datetime,
    organisation: Organisation | None, recipient_name: str = "", recipient_person: str, method: str,
    what_shared: str, withheld: str = "", receipt_confirmed: bool | None = None, emergency_reason: str = "",
) -> Share:
    """Record one share the owner made. Idempotent per form `token` (`already_recorded` is set).

    Raises NotOwner; SharingNotAllowed (with `emergency_possible` when an emergency reason would
    let it through); InvalidShare for a time in the future or before the decision began, or no
    recipient; approvals.StaleDecision if the approval was decided while the form was open.
    """
    if not may_record(actor, decision):
        raise NotOwner(NOT_OWNER)
    existing = Share.objects.filter(decision=decision, token=token).first()
    if existing is not None:
        existing.already_recorded = True
        return existing
    errors = {}
    if shared_at > timezone.now():
        errors["shared_at"] = "The date and time shared must be today or in the past"
    elif shared_at < decision.created_at.replace(second=0, microsecond=0):
        errors["shared_at"] = "The date and time shared must be after the decision was started"
    recipient_name, recipient_person = recipient_name.strip(), recipient_person.strip()
    if organisation is None and not recipient_name:
        errors["organisation"] = "Select the organisation you shared with, or name another"
    if not recipient_person:
        errors["recipient_person"] = "Enter the person or role you shared with"
    if method not in Share.Method.values:
        errors["method"] = "Select how you shared the information"
    if not what_shared.strip():
        errors["what_shared"] = "Enter what you shared"
    if errors:
        raise InvalidShare(errors)
    emergency_reason = emergency_reason.strip()
    permission = sharing_allowed(decision)
    emergency = False
    if not permission.allowed:
        if not (permission.emergency_possible and emergency_reason):
            raise SharingNotAllowed(permission.message, emergency_possible=permission.emergency_possible)
        emergency = True
    try:
        with transaction.atomic():
            if emergency:
                approvals.review_after_emergency_share(decision, actor, reason=emergency_reason)
            share = Share.objects.create(
                decision=decision, shared_at=shared_at, organisation=organisation,
                recipient_name="" if organisation is not None else recipient_name,
                recipient_person=recipient_person, method=method, what_shared=what_shared.strip(),
                withheld=withheld.strip(), receipt_confirmed=receipt_confirmed, emergency=emergency,
                emergency_reason=emergency_reason if emergency else "", recorded_by=actor, token=token,
            )
            history.record(decision, actor, Kind.SHARE_RECORDED, **_share_payload(share))
    except IntegrityError:
        # A parallel post of the same form won the race: that share is this one.
        existing = Share.objects.get(decision=decision, token=token)
        existing.already_recorded = True
        return existing
    share.already_recorded = False
    return share


def _share_payload(share: Share) -> dict:
    """Codes and ids (kept by retention), and the words the history page shows (removed by it)."""
    details = [
        ("Shared at", timezone.localtime(share.shared_at).strftime("%-d %B %Y, %H:%M")),
        ("With", share.recipient), ("Person or role", share.recipient_person),
        ("How", share.get_method_display()), ("What was shared", share.what_shared),
    ]
    if share.withheld:
        details.append(("Withheld", share.withheld))
    if share.receipt_confirmed is not None:
        details.append(("Receipt confirmed", "Yes" if share.receipt_confirmed else "No"))
    if share.emergency:
        details.append(("Shared in an emergency before approval", share.emergency_reason))
    return {
        "share": share.pk, "shared_at": share.shared_at.isoformat(), "organisation": share.organisation_id,
        "method": share.method, "receipt_confirmed": share.receipt_confirmed, "emergency": share.emergency,
        "details": [list(pair) for pair in details],
    }


def record_telling(
    *, decision: Decision, actor: User, token: uuid.UUID, told: bool, told_on: datetime.date | None = None,
    told_by: str = "", how: str = "", not_told_reason: str = "", agreed_by: str = "",
    reconsider_by: datetime.date | None = None,
) -> Telling:
    """Record whether the person was told what was shared. Newest is current; older ones are kept.

    Not told, with a date to reconsider: a follow-up for the owner, due that day. Idempotent per
    form `token`. Raises NotOwner, SharingNotAllowed, InvalidShare.
    """
    if not may_record(actor, decision):
        raise NotOwner(NOT_OWNER)
    existing = Telling.objects.filter(decision=decision, token=token).first()
    if existing is not None:
        existing.already_recorded = True
        return existing
    today = timezone.localdate()
    errors = {}
    if told:
        if told_on is None:
            errors["told_on"] = "Enter the date they were told"
        elif told_on > today:
            errors["told_on"] = "The date they were told must be today or in the past"
        if not told_by.strip():
            errors["told_by"] = "Enter who told them"
        if how not in Telling.How.values:
            errors["how"] = "Select how they were told"
    else:
        reasons = dict(not_told_reasons(decision))
        if not_told_reason not in reasons:
            errors["not_told_reason"] = "Select why they were not told"
        elif not_told_reason == "other" and not agreed_by.strip():
            errors["agreed_by"] = "Enter the name of the data protection officer or Caldicott guardian who agreed"
        if reconsider_by is None:
            errors["reconsider_by"] = "Enter the date to reconsider telling them"
        elif reconsider_by < today:
            errors["reconsider_by"] = "The date to reconsider telling them must be today or in the future"
    if errors:
        raise InvalidShare(errors)
    if not telling_allowed(decision):
        raise SharingNotAllowed(sharing_allowed(decision).message)
    try:
        with transaction.atomic():
            telling = Telling.objects.create(
                decision=decision, told=told, told_on=told_on if told else None,
                told_by=told_by.strip() if told else "", how=how if told else "",
                not_told_reason="" if told else not_told_reason,
                agreed_by=agreed_by.strip() if not told and not_told_reason == "other" else "",
                reconsider_by=None if told else reconsider_by, recorded_by=actor, token=token,
            )
            history.record(decision, actor, Kind.TELLING_RECORDED, **_telling_payload(decision, telling))
            _close_reconsider_tasks(decision, actor, told=told)
            if not told:
                telling.follow_up = followups.open_reconsider_telling(
                    decision, actor, owner=decision.owner, due_on=reconsider_by)
                Telling.objects.filter(pk=telling.pk).update(follow_up=telling.follow_up)
    except IntegrityError:
        existing = Telling.objects.get(decision=decision, token=token)
        existing.already_recorded = True
        return existing
    telling.already_recorded = False
    return telling


def _close_reconsider_tasks(decision: Decision, actor: User, *, told: bool) -> None:
    """The owner's open tasks to reconsider telling are done: they were told, or a new date replaces them.
    Told: the task to tell them (opened from the record's "inform by" date) is done too."""
    note = ("Recorded that the person was told." if told
            else "Recorded again that the person is not told for now, with a new date to reconsider.")
    kinds = [FollowUp.Kind.RECONSIDER_TELLING, *([FollowUp.Kind.INFORM] if told else [])]
    for task in FollowUp.objects.open().filter(decision=decision, kind__in=kinds, owner=actor):
        with contextlib.suppress(followups.AlreadyCompleted):  # completed meanwhile (another tab)
            followups.complete(task, actor, note=note)


def _telling_payload(decision: Decision, telling: Telling) -> dict:
    if telling.told:
        details = [("Told", "Yes"), ("When", f"{telling.told_on:%-d %B %Y}"), ("Who told them", telling.told_by),
                   ("How", telling.get_how_display())]
    else:
        details = [("Told", "No"), ("Why not", reason_label(decision, telling.not_told_reason))]
        if telling.agreed_by:
            details.append(("Agreed by", telling.agreed_by))
        details.append(("Reconsider by", f"{telling.reconsider_by:%-d %B %Y}"))
    return {
        "telling": telling.pk, "told": telling.told, "how": telling.how, "not_told_reason": telling.not_told_reason,
        "told_on": telling.told_on.isoformat() if telling.told_on else "",
        "reconsider_by": telling.reconsider_by.isoformat() if telling.reconsider_by else "",
        "details": [list(pair) for pair in details],
    }


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class Disclosures:
    """What happened after one decision, for its pages and its PDF."""

    shares: list[Share] = field(default_factory=list)
    tellings: list[Telling] = field(default_factory=list)  # oldest first

    @property
    def telling(self) -> Telling | None:
        """The current record of whether the person was told: the newest."""
        return self.tellings[-1] if self.tellings else None

    @property
    def earlier_tellings(self) -> list[Telling]:
        return list(reversed(self.tellings[:-1]))


def disclosures_for(decision: Decision) -> Disclosures:
    """The shares (in the order made) and tellings (oldest first): two queries."""
    # A caller rendering many decisions (a ZIP of PDFs) may prefetch "shares__organisation" and "tellings".
    cache = getattr(decision, "_prefetched_objects_cache", {})
    shares = list(cache["shares"]) if "shares" in cache else list(
        Share.objects.filter(decision=decision).select_related("organisation"))
    tellings = list(cache["tellings"]) if "tellings" in cache else list(Telling.objects.filter(decision=decision))
    shares.sort(key=lambda s: (s.shared_at, s.pk))
    tellings.sort(key=lambda t: (t.recorded_at, t.pk))
    reasons = dict(not_told_reasons(decision)) if any(not t.told for t in tellings) else {}
    for telling in tellings:
        telling.reason_label = reasons.get(telling.not_told_reason, telling.not_told_reason)
    return Disclosures(shares, tellings)
