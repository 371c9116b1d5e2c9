"""A decision's life in one place: its statuses and the only moves between them.

Plain Python, so the whole machine can be read, drawn and tested on its own. Every service that
changes a decision's status asks `check` first (decisions.services, approvals.services); a move not
listed in MOVES is a bug, and raises before anything is written.

    draft ──submit──▶ recorded            no approval: consent, a legal duty, not sharing
          ──submit──▶ awaiting_approval   before sharing: nothing is shared until it is approved
          ──submit──▶ awaiting_review     after sharing: shared at once, reviewed the same working day
          ──submit──▶ escalated           seek advice: open until a follow-up decision settles it
          ──restart─▶ superseded          restarted under a newer flowchart

    awaiting_approval ──▶ approved | not_approved | returned | awaiting_approval (the next approver up)
                      ──▶ awaiting_review (shared in an emergency before the approval came: isg/disclosures)
    awaiting_review   ──▶ agreed | disagreed | returned | awaiting_review (the next approver up)
    returned          ──▶ the statuses a submission leads to (resubmitted), returned (answered), superseded
    escalated         ──▶ resolved (a follow-up decision on the same case)
    awaiting_approval, returned, recorded, escalated ──withdraw──▶ withdrawn (submitted in error,
                        before anything was shared: approvals/withdrawal.py decides when)

In the words of the issue that asked for this module: "submitted" is awaiting approval or review;
"shared" is awaiting review, agreed or disagreed (shared at once), or approved once a share is
recorded; "closed" is every status with no move out of it (FINAL).
"""

from __future__ import annotations

from collections.abc import Iterable

DRAFT, RECORDED, RETURNED = "draft", "recorded", "returned"
AWAITING_APPROVAL, AWAITING_REVIEW = "awaiting_approval", "awaiting_review"
APPROVED, NOT_APPROVED, AGREED, DISAGREED = "approved", "not_approved", "agreed", "disagreed"
ESCALATED, RESOLVED, SUPERSEDED = "escalated", "resolved", "superseded"
WITHDRAWN = "withdrawn"

STATUSES = (DRAFT, RECORDED, AWAITING_APPROVAL, RETURNED, APPROVED, NOT_APPROVED, AWAITING_REVIEW, AGREED,
            DISAGREED, ESCALATED, RESOLVED, SUPERSEDED, WITHDRAWN)

# Where a submission (or a resubmission) lands: the outcome rule's approval mode decides which.
SUBMITTED_TO = (RECORDED, AWAITING_APPROVAL, AWAITING_REVIEW, ESCALATED)

MOVES: dict[tuple[str, str], str] = {
    **{(DRAFT, to): "submitted" for to in SUBMITTED_TO},
    (DRAFT, SUPERSEDED): "restarted under a newer flowchart",
    (AWAITING_APPROVAL, APPROVED): "approved",
    (AWAITING_APPROVAL, NOT_APPROVED): "not approved",
    (AWAITING_APPROVAL, RETURNED): "returned with a question",
    (AWAITING_APPROVAL, AWAITING_APPROVAL): "went up to the next approver (a 'no' on serious harm, or overdue)",
    # isg/disclosures: the practitioner shared in an emergency before the approval came.
    (AWAITING_APPROVAL, AWAITING_REVIEW): "shared in an emergency before approval: now reviewed after sharing",
    (AWAITING_REVIEW, AGREED): "agreed on review",
    (AWAITING_REVIEW, DISAGREED): "disagreed on review",
    (AWAITING_REVIEW, RETURNED): "returned with a question (the share stands)",
    (AWAITING_REVIEW, AWAITING_REVIEW): "went up to the next approver (overdue)",
    **{(RETURNED, to): "resubmitted" for to in SUBMITTED_TO},
    (RETURNED, RETURNED): "the practitioner answered the question",
    (RETURNED, SUPERSEDED): "restarted under a newer flowchart",
    (ESCALATED, RESOLVED): "settled by a follow-up decision",
    # Submitted in error, before anything was shared (isg/approvals/withdrawal.py says when).
    **{(start, WITHDRAWN): "withdrawn by its owner" for start in (AWAITING_APPROVAL, RETURNED, RECORDED, ESCALATED)},
}

WAITING = frozenset({AWAITING_APPROVAL, AWAITING_REVIEW})
# An approver has it, or a manager for an escalated ("seek advice") decision still open.
WITH_AN_APPROVER = WAITING | {ESCALATED}
# Not settled yet: retention leaves these whole however old they are.
OPEN = WITH_AN_APPROVER | {RETURNED}
EDITABLE = frozenset({DRAFT, RETURNED})
FINAL = frozenset(status for status in STATUSES if not any(start == status for start, _ in MOVES))


class IllegalMove(ValueError):
    """A status change the decision's life does not allow."""

    def __init__(self, from_status: str, to_status: str) -> None:
        self.from_status, self.to_status = str(from_status), str(to_status)
        super().__init__(f"a decision cannot go from {str(from_status)!r} to {str(to_status)!r}")


def check(from_statuses: str | Iterable[str], to_status: str) -> None:
    """Raise IllegalMove unless every status in `from_statuses` may move to `to_status`."""
    for from_status in (from_statuses,) if isinstance(from_statuses, str) else from_statuses:
        if (from_status, to_status) not in MOVES:
            raise IllegalMove(from_status, to_status)


def moves_from(status: str) -> dict[str, str]:
    """{status it may move to: what moves it}."""
    return {to: why for (start, to), why in MOVES.items() if start == status}
