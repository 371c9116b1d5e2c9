"""Decisions waiting for an approver, made as rows (no walk), for the tests of handing approvals over.

The walk's own factory (tests.factories.make_decision) follows the flowchart, which changes; these
tests need only a decision in a waiting status and its Approval row.
"""

from __future__ import annotations

from django.utils import timezone

from isg.accounts.models import User
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from isg.flowchart.services import register_current


def make_waiting_decision(owner: User, approver: User | None, *, status: str = Decision.Status.AWAITING_APPROVAL,
                          escalated_to: User | None = None, case_reference: str = "CASE-WAITING") -> Decision:
    """A submitted share-without-consent decision of `owner`'s, waiting for `approver` (None: the agency queue)."""
    flowchart = register_current()
    now = timezone.now()
    decision = Decision.objects.create(
        owner=owner, agency=owner.agency, case_reference=case_reference, status=status,
        flowchart_id=flowchart.sha256, flowchart_version=flowchart.version, current_node="",
        outcome="outcome_share_without_consent", requires_approval=True, submitted_at=now, revision=3,
    )
    Approval.objects.create(
        decision=decision, approver=approver, requested_at=now,
        purpose=Approval.Purpose.ESCALATION if status == Decision.Status.ESCALATED else Approval.Purpose.APPROVAL,
        routed_by=Approval.RoutedBy.LINE_MANAGER if approver else Approval.RoutedBy.AGENCY,
        escalated_to=escalated_to, escalated_at=now if escalated_to else None,
    )
    return decision
