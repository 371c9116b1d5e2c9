"""Withdrawing a decision submitted in error, before anything was shared.

    why_not(decision)                                   # "" if it may be withdrawn, else why not, in words
    withdraw(decision, actor, reason, revision)         # the owner, with their reason

Only while nothing has been (or may have been) shared:

- waiting for approval before sharing (`awaiting_approval`, not a pre-1.2 emergency's approval afterwards);
- returned with a question before sharing (`returned`, mode before sharing);
- recorded with an outcome that shares nothing (`recorded`: "do not share");
- escalated and still open (`escalated`: "get more advice", which shares nothing).

Never once shared or approved: an after-sharing review (`awaiting_review`, `agreed`, `disagreed`, or
returned after sharing), an approval (it may have been shared since), a "not approved" (an approver's
decision stands; amend it instead), a share recorded without approval, or a decision resolved,
restarted or already withdrawn. Those are corrected with an amendment instead.

A withdrawn decision is kept with its whole history; the reason is on its history (and so its audit
chain). A waiting approval is closed: the decision leaves the approver's queue (the queue lists only
waiting statuses) and the approver it was routed to is told by email, as on every other change to
what waits for them. The register lists it only when asked for withdrawn decisions, and the
dashboard never counts it (isg/register/services.py, isg/dashboard/services.py).

One conditional UPDATE on the (status, revision) the owner saw, as every approval step: a second
click, or an approver acting in the meantime, finds no row and gets StaleDecision.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from isg.access.services import may
from isg.accounts.models import User
from isg.decisions import history, lifecycle
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import StaleDecision
from isg.flowchart.services import flowchart_for
from isg.lib.text import validate_plain_text

from . import policy, tasks
from .models import Approval
from .services import NotAllowed, ReasonRequired, mode_of

Status = Decision.Status
# Outcomes that share nothing, for flowcharts made before outcomes declared `shares` (1.0.x).
NO_SHARE_OUTCOMES = ("outcome_do_not_share", "outcome_seek_advice")

SHARED = ("It cannot be withdrawn: the information has been shared (or may have been). "
          "Amend the decision to correct the record instead.")
REASONS = {
    Status.AWAITING_REVIEW: SHARED,
    Status.AGREED: SHARED,
    Status.DISAGREED: SHARED,
    Status.APPROVED: ("It cannot be withdrawn: it was approved, so the information may have been shared. "
                      "Amend the decision to correct the record instead."),
    Status.NOT_APPROVED: ("It cannot be withdrawn: an approver has decided it. "
                          "Amend the decision to correct the record instead."),
    Status.RESOLVED: "It cannot be withdrawn: a follow-up decision has resolved it.",
    Status.SUPERSEDED: "It cannot be withdrawn: it was restarted under a newer flowchart.",
    Status.DRAFT: "A draft has not been submitted, so there is nothing to withdraw.",
    Status.WITHDRAWN: "It has already been withdrawn.",
}


class CannotWithdraw(Exception):
    """Something has been (or may have been) shared, or the decision is not in a state to withdraw;
    the message says which, in words."""


def _shares(decision: Decision) -> bool:
    """Whether the decision's recorded outcome shares information (unknown outcomes: assume it does)."""
    flowchart = flowchart_for(decision.flowchart_id)
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    if outcome is None:
        return True
    if any(o.shares for o in flowchart.outcomes):
        return outcome.shares
    return outcome.id not in NO_SHARE_OUTCOMES


def why_not(decision: Decision) -> str:
    """"" if the decision may be withdrawn now (nothing shared), else why not, in words."""
    status = decision.status
    if status in (Status.AWAITING_APPROVAL, Status.RETURNED):
        return "" if mode_of(decision) == policy.BEFORE else SHARED
    if status in (Status.RECORDED, Status.ESCALATED):
        return SHARED if _shares(decision) else ""
    return REASONS.get(status, SHARED)


def may_withdraw(user: User, decision: Decision) -> bool:
    """Whether `user` may withdraw `decision` now: its owner, before anything was shared."""
    return may(user, decision, "edit") and not why_not(decision)


def withdraw(decision: Decision, actor: User, reason: str, revision: int) -> Decision:
    """Withdraw the owner's decision, with their reason. Raises NotAllowed (not the owner),
    ReasonRequired (no reason, or one the text rules refuse), CannotWithdraw (shared, or not in a
    state to withdraw) or StaleDecision (it changed since the owner saw it: a second click, or an
    approver acting first)."""
    if not may(actor, decision, "edit"):
        raise NotAllowed(decision.public_id)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ReasonRequired("Enter why you are withdrawing this decision")
    try:
        validate_plain_text(reason)
    except ValidationError as refused:
        raise ReasonRequired(refused.messages[0]) from None
    if decision.revision != revision:
        raise StaleDecision(decision.public_id)
    refused = why_not(decision)
    if refused:
        raise CannotWithdraw(refused)
    previous, mode = decision.status, mode_of(decision) if decision.requires_approval else policy.NONE
    now = timezone.now()
    with transaction.atomic():
        lifecycle.check(previous, Status.WITHDRAWN)
        # The approval row first, then the decision, as an approver's answer takes them: no deadlock.
        approval = Approval.objects.select_for_update().filter(decision=decision).first()
        updated = Decision.objects.filter(pk=decision.pk, status=previous, revision=revision).update(
            status=Status.WITHDRAWN, revision=F("revision") + 1, updated_at=now,
        )
        if not updated:
            raise StaleDecision(decision.public_id)
        decision.status, decision.revision = Status.WITHDRAWN, revision + 1
        if approval is not None and approval.decided_at is None:
            # Closed, by no approver: the decision's status now keeps it out of every queue.
            Approval.objects.filter(pk=approval.pk).update(decided_at=now)
        history.record(decision, actor, DecisionEvent.Kind.WITHDRAWN, reason=reason, from_status=previous, mode=mode)
        if approval is not None and approval.approver_id is not None and previous != Status.RECORDED:
            tasks.send_notification.enqueue("withdrawn", approval.approver_id, str(decision.public_id))
    return decision
