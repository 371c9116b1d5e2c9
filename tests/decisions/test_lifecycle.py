"""A decision's life in one module: every status has its moves, and a move not listed is refused before any write."""

from __future__ import annotations

import pytest

from isg.approvals import policy
from isg.decisions import lifecycle
from isg.decisions.models import Decision
from isg.decisions.services import _update
from tests.factories import make_decision, make_user


def test_the_machine_names_exactly_the_statuses_a_decision_can_have():
    assert set(lifecycle.STATUSES) == set(Decision.Status.values)


def test_every_status_is_reached_from_a_draft():
    reached, frontier = {lifecycle.DRAFT}, [lifecycle.DRAFT]
    while frontier:
        for to in lifecycle.moves_from(frontier.pop()):
            if to not in reached:
                reached.add(to)
                frontier.append(to)
    assert reached == set(lifecycle.STATUSES)


def test_a_decided_decision_never_moves_again():
    assert {"recorded", "approved", "not_approved", "agreed", "disagreed", "resolved", "superseded"} == lifecycle.FINAL
    for final in lifecycle.FINAL | {"recorded"}:
        with pytest.raises(lifecycle.IllegalMove):
            lifecycle.check(final, lifecycle.AWAITING_APPROVAL)


def test_every_move_the_approval_policy_makes_is_in_the_machine():
    for mode in (policy.BEFORE, policy.AFTER):
        waiting = policy.waiting_status(mode)
        lifecycle.check(waiting, policy.after_deadline(mode).status if mode == policy.BEFORE else waiting)
    for status in (policy.APPROVED, policy.NOT_APPROVED, policy.RETURNED):
        lifecycle.check(lifecycle.AWAITING_APPROVAL, status)
    for status in (policy.AGREED, policy.DISAGREED, policy.RETURNED):
        lifecycle.check(lifecycle.AWAITING_REVIEW, status)


def test_a_review_after_sharing_can_never_become_not_approved():
    """The share has been made: a reviewer's 'no' is a disagreement (and a breach assessment), never a withdrawal."""
    with pytest.raises(lifecycle.IllegalMove):
        lifecycle.check(lifecycle.AWAITING_REVIEW, lifecycle.NOT_APPROVED)


@pytest.mark.django_db
def test_a_service_asked_for_a_move_not_in_the_machine_writes_nothing():
    decision = make_decision(make_user(username="pat"), "outcome_share_without_consent")
    assert decision.status == Decision.Status.DRAFT
    with pytest.raises(lifecycle.IllegalMove, match="from 'draft' to 'approved'"):
        _update(decision, decision.revision, status=Decision.Status.APPROVED)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT
