"""Submitting a decision: the walk is done, so record its outcome and send it where it goes next.

The walk and the draft are isg/decisions'; what a submission sets off is here, above them: an outcome
that needs approval goes to an approver, an unresolved one (outcome_seek_advice) stays open,
escalated, a returned decision goes back once the approver's question has an answer, and the dates
the record names become follow-ups (isg/followups).
"""

from __future__ import annotations

from django.db import transaction

from isg.accounts.models import User
from isg.decisions import lifecycle
from isg.decisions.models import Decision
from isg.decisions.services import Gap, IncompleteDecision, decision_gaps, decision_record_submission
from isg.flowchart.services import flowchart_for
from isg.followups import services as followups

from . import services as approvals


def decision_submit(*, decision: Decision, actor: User, revision: int) -> Decision:
    """Record the decision with its computed outcome. Raises IncompleteDecision listing every gap.

    A follow-up that settles an escalated decision resolves it.
    """
    flowchart = flowchart_for(decision.flowchart_id)
    gaps = decision_gaps(decision, flowchart)
    resubmission = decision.status == Decision.Status.RETURNED
    if resubmission and approvals.pending_question(decision) is not None:
        gaps.append(Gap(None, "approval", "return_answer", "Answer the approver's question before you submit again"))
    if gaps:
        raise IncompleteDecision(gaps)
    outcome = flowchart.outcome_for(decision.state)
    mode = outcome.approval_mode_for(decision.state)
    # From 1.2 the outcome rule declares the mode; before it, an emergency's approval came afterwards
    # but the decision still waited as "awaiting approval", and displays as it was made.
    declared = mode if outcome.approval_modes else ""
    if declared == "after_sharing":
        status = Decision.Status.AWAITING_REVIEW
    elif mode != "none":
        status = Decision.Status.AWAITING_APPROVAL
    elif outcome.id == approvals.SEEK_ADVICE:
        status = Decision.Status.ESCALATED
    else:
        status = Decision.Status.RECORDED
    with transaction.atomic():
        decision_record_submission(decision=decision, actor=actor, revision=revision, outcome=outcome.id,
                                   status=status, mode=mode, declared=declared)
        if status in lifecycle.WAITING:
            approvals.submit_for_approval(decision, actor, resubmission=resubmission)
        elif status == Decision.Status.ESCALATED:
            approvals.open_escalation(decision, actor)
        approvals.resolve_followed(decision, actor)
        followups.open_from_record(decision, actor)
    return decision


def resubmit(decision: Decision, actor: User, revision: int) -> Decision:
    """Send a returned, answered decision back for approval."""
    return decision_submit(decision=decision, actor=actor, revision=revision)
