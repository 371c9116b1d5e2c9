"""What an approver's answer, or a missed deadline, does to a decision: plain Python, no database.

The flowchart says which answers an approver may give for a final state (`approval:` in the YAML,
flowchart.md 8.1); this module says what each result means for the decision's status. The
services apply it; the S14 tests prove it over every final state, every offered answer and a
deadline met or missed:

- where the harm is serious, it is an emergency, or the ground is a child or an adult at risk, no
  answer leads to "not approved" or "do not share";
- a missed deadline always escalates and never decides;
- an after-sharing "disagree" never withdraws the share and always opens the data protection
  officer's breach assessment.
"""

from __future__ import annotations

from dataclasses import dataclass

from isg.engine import Flowchart, State

BEFORE, AFTER, NONE = "before_sharing", "after_sharing", "none"
PROTECTIVE_GROUNDS = ("child_significant_harm", "adult_at_risk", "under_13")

# Statuses, as isg.decisions.models.Decision.Status values (kept as text: this module has no models).
AWAITING_APPROVAL, AWAITING_REVIEW, RETURNED = "awaiting_approval", "awaiting_review", "returned"
APPROVED, NOT_APPROVED, AGREED, DISAGREED = "approved", "not_approved", "agreed", "disagreed"


class NotOffered(ValueError):
    """The flowchart does not offer this answer to the approver for this decision."""


@dataclass(frozen=True)
class Transition:
    """What follows an approver's answer or a missed deadline."""

    status: str  # the decision's status afterwards
    escalate: bool = False  # it goes to the next approver up
    breach_assessment: bool = False  # a task for the data protection officer opens
    may_still_refer: bool = False  # the practitioner is told they may refer directly
    shared: bool = False  # the information has been (or may now be) shared
    result: str = ""


def is_protective(state: State) -> bool:
    """Serious harm, an emergency, or a child or an adult at risk: a plain "no" is never offered."""
    return (
        state.get("harm_level") == "serious" or state.get("emergency") is True
        or state.get("harm_ground") in (*PROTECTIVE_GROUNDS, "others_serious", "serious_crime")
    )


def waiting_status(mode: str) -> str:
    return AWAITING_REVIEW if mode == AFTER else AWAITING_APPROVAL


def offered(flowchart: Flowchart, mode: str, state: State) -> tuple:
    return flowchart.approver_answers_for(mode, state)


def after_answer(flowchart: Flowchart, mode: str, state: State, answer_id: str) -> Transition:
    """The transition an approver's answer makes; NotOffered if it is not one they may give here."""
    answer = next((a for a in offered(flowchart, mode, state) if a.id == answer_id), None)
    if answer is None:
        raise NotOffered(answer_id)
    result = answer.result
    if result == "approved":
        return Transition(APPROVED, shared=True, result=result)
    if result == "agreed":
        return Transition(AGREED, shared=True, result=result)
    if result == "returned":
        # Asked a question: it comes back to the practitioner; after sharing, the share still stands.
        return Transition(RETURNED, shared=mode == AFTER, result=result)
    if result == "not_approved":
        return Transition(NOT_APPROVED, may_still_refer=True, result=result)
    if result == "escalated":
        return Transition(AWAITING_APPROVAL, escalate=True, may_still_refer=True, result=result)
    if result == "disagreed":
        return Transition(DISAGREED, breach_assessment=True, shared=True, result=result)
    raise NotOffered(answer_id)


def after_deadline(mode: str) -> Transition:
    """A deadline missed: the item goes up to the next approver, still waiting. It never decides."""
    return Transition(waiting_status(mode), escalate=True, shared=mode == AFTER, result="overdue")
