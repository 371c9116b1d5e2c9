"""S14, the approval workflow is safe (flowchart.md 8.3): proven over every final state a walk can end
in, every answer the approver is offered there, and a deadline met or missed.

The final states come from the engine's own search (isg/engine/prove.py `final_states`): every
distinct way a walk can end, as far as the outcome rules, the approval modes and the approver's
offers can tell. What an answer does is isg/approvals/policy.py, which the services apply; a few
of the paths are also walked through the services (test_services.py).
"""

import pytest

from isg.approvals import policy
from isg.engine import load_flowchart
from isg.engine.prove import final_states
from tests.engine.conftest import ROOT

FLOWCHART = load_flowchart(ROOT / "flowchart" / "information-sharing.yaml")
FINALS = final_states(FLOWCHART)
WITH_APPROVAL = [(state, FLOWCHART.approval_mode_for(state)) for state in FINALS
                 if FLOWCHART.approval_mode_for(state) != "none"]
PROTECTED_GROUNDS = ("child_significant_harm", "adult_at_risk", "under_13")


def protected(state) -> bool:
    """8.3 S14: serious harm, an emergency, or a child or an adult at risk."""
    return (state.get("harm_level") == "serious" or state.get("emergency") is True
            or state.get("harm_ground") in PROTECTED_GROUNDS)


def test_the_search_gives_final_states_in_both_modes_and_both_kinds_of_harm():
    modes = {mode for _, mode in WITH_APPROVAL}
    assert modes == {"before_sharing", "after_sharing"}
    assert any(protected(s) for s, _ in WITH_APPROVAL) and any(not protected(s) for s, _ in WITH_APPROVAL)
    assert len(WITH_APPROVAL) > 50


@pytest.mark.parametrize("deadline_missed", [False, True])
def test_s14_no_answer_says_not_approved_or_do_not_share_where_someone_is_protected(deadline_missed):
    checked = 0
    for state, mode in WITH_APPROVAL:
        if not protected(state):
            continue
        if deadline_missed:
            transition = policy.after_deadline(mode)
            assert transition.status not in (policy.NOT_APPROVED,) and transition.escalate, state
            checked += 1
            continue
        for answer in policy.offered(FLOWCHART, mode, state):
            transition = policy.after_answer(FLOWCHART, mode, state, answer.id)
            assert transition.status != policy.NOT_APPROVED, (state, answer.id)
            assert answer.result != "not_approved", (state, answer.id)
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("mode", ["before_sharing", "after_sharing"])
def test_s14_every_missed_deadline_escalates_and_never_decides(mode):
    transition = policy.after_deadline(mode)
    assert transition.escalate
    assert transition.status == policy.waiting_status(mode)  # still waiting, with the next approver
    assert transition.status not in (policy.APPROVED, policy.NOT_APPROVED, policy.AGREED, policy.DISAGREED)


def test_s14_after_sharing_a_disagreement_always_opens_the_breach_assessment_and_never_withdraws():
    seen = 0
    for state, mode in WITH_APPROVAL:
        if mode != "after_sharing":
            continue
        results = {a.result for a in policy.offered(FLOWCHART, mode, state)}
        assert "not_approved" not in results and "agreed" in results, state
        for answer in policy.offered(FLOWCHART, mode, state):
            transition = policy.after_answer(FLOWCHART, mode, state, answer.id)
            assert transition.shared  # a share made is never undone, whatever the answer
            if answer.result == "disagreed":
                assert transition.breach_assessment and transition.status == policy.DISAGREED
                seen += 1
    assert seen > 0


def test_s14_where_no_one_is_protected_a_plain_no_is_offered_before_sharing():
    plain = [(s, m) for s, m in WITH_APPROVAL if not protected(s) and m == "before_sharing"]
    assert plain
    for state, mode in plain:
        results = [a.result for a in policy.offered(FLOWCHART, mode, state)]
        assert results == ["approved", "returned", "not_approved"], state


def test_s14_every_final_state_that_needs_an_approver_lets_them_approve_or_agree():
    for state, mode in WITH_APPROVAL:
        results = {a.result for a in policy.offered(FLOWCHART, mode, state)}
        assert results & {"approved", "agreed"}, state


def test_an_answer_the_flowchart_does_not_offer_is_refused():
    state, mode = next((s, m) for s, m in WITH_APPROVAL if protected(s) and m == "before_sharing")
    with pytest.raises(policy.NotOffered):
        policy.after_answer(FLOWCHART, mode, state, "not_approve")
