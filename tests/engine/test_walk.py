"""Walking the published 1.0.1 flowchart: routing, state, not-sure returns, urgent jumps, changes, outcomes."""

from collections import deque

import pytest

from isg.engine import (
    InvalidStep,
    Step,
    advance,
    allowed_answers,
    begin,
    change_answer,
    is_complete,
    outcome_of,
    replay,
)

from .walks import TO_CONFIDENTIAL, steps
from .walks import WALKS_1_0_1 as WALKS


@pytest.mark.parametrize("outcome_id", list(WALKS))
def test_each_outcome_is_reached_by_a_walk(flowchart, outcome_id):
    position = replay(flowchart, steps(*WALKS[outcome_id]))
    assert is_complete(flowchart, position)
    assert outcome_of(flowchart, position).id == outcome_id


def test_approval_is_required_exactly_for_sharing_without_consent(flowchart):
    needs = {o: outcome_of(flowchart, replay(flowchart, steps(*w))).requires_approval for o, w in WALKS.items()}
    assert {o for o, needed in needs.items() if needed} == {
        "outcome_emergency_share", "outcome_share_limited", "outcome_share_without_consent",
    }
    assert flowchart.outcome("outcome_emergency_share").is_retrospective


def test_every_node_is_reachable_and_can_reach_record(flowchart):
    """A breadth-first search with the real engine finds, for every node, a way in and a way out."""
    terminal = flowchart.terminal.id
    reached_from_start, reaches_record = set(), set()
    queue = deque([begin()])
    seen = set()
    while queue:
        position = queue.popleft()
        reached_from_start.add(position.at)
        if position.at == terminal:
            reaches_record.update(step.node for step in position.steps)
            continue
        for answer in allowed_answers(flowchart, position):
            following = advance(flowchart, position, Step(position.at, answer))
            key = (following.at, tuple(sorted(following.state.items())), following.return_to)
            if key not in seen and len(following.steps) < 40:
                seen.add(key)
                queue.append(following)
    assert reached_from_start == set(flowchart.nodes)
    assert reaches_record | {terminal} == set(flowchart.nodes)


def test_an_answer_not_allowed_is_rejected_with_the_allowed_list(flowchart):
    position = replay(flowchart, steps("start:want_to_share"))
    with pytest.raises(InvalidStep) as caught:
        advance(flowchart, position, Step("emergency_check", "perhaps"))
    assert caught.value.at == "emergency_check"
    assert caught.value.allowed == ("yes", "no", "not_sure")
    assert "Allowed answers at 'emergency_check': yes, no, not_sure" in str(caught.value)


def test_answering_a_node_that_is_not_current_is_rejected(flowchart):
    position = replay(flowchart, steps("start:want_to_share"))
    with pytest.raises(InvalidStep, match="the walk is at 'emergency_check', not 'purpose'"):
        advance(flowchart, position, Step("purpose", "yes"))


def test_start_offers_no_not_sure_but_questions_do(flowchart):
    assert "not_sure" not in allowed_answers(flowchart, begin())
    assert "not_sure" in allowed_answers(flowchart, replay(flowchart, steps("start:want_to_share")))


def test_yes_and_no_reach_the_engine_as_strings(flowchart):
    answers = [a.id for node in flowchart.nodes.values() for a in node.answers]
    assert "yes" in answers and "no" in answers
    assert all(isinstance(a, str) for a in answers)
    assert flowchart.node("confidential").answer("no").set == {"confidential": "no", "decision": "share"}


def test_not_sure_goes_to_advice_and_returns_to_the_same_question(flowchart):
    position = replay(flowchart, steps(*TO_CONFIDENTIAL, "confidential:not_sure"))
    assert position.at == "seek_advice"
    position = advance(flowchart, position, Step("seek_advice", "resolved"))
    assert position.at == "confidential"
    position = advance(flowchart, position, Step("confidential", "no"))
    assert position.at == "minimum_necessary"


def test_unresolved_advice_ends_in_seek_advice(flowchart):
    position = replay(flowchart, steps(*TO_CONFIDENTIAL, "confidential:not_sure", "seek_advice:unresolved"))
    assert position.state["unresolved"] is True
    assert outcome_of(flowchart, position).id == "outcome_seek_advice"


def test_recipient_check_no_seeks_advice_then_returns_to_recipient_check(flowchart):
    walk = (*WALKS["outcome_share_no_consent_needed"][:5], "recipient_check:no", "seek_advice:resolved")
    assert replay(flowchart, steps(*walk)).at == "recipient_check"


def test_urgent_button_jumps_to_minimum_necessary_and_sets_the_emergency_state(flowchart):
    position = replay(flowchart, steps(*TO_CONFIDENTIAL, "*:urgent"))
    assert position.at == "minimum_necessary"
    assert position.state["emergency"] is True
    assert position.state["decision"] == "share"
    assert position.state["approval"] == "retrospective"
    assert [s.node for s in position.steps][-1] == "*"


def test_urgent_with_an_unresolved_question_still_ends_as_an_emergency(flowchart):
    walk = (*TO_CONFIDENTIAL, "confidential:not_sure", "seek_advice:unresolved")
    position = replay(flowchart, steps(*walk))
    assert is_complete(flowchart, position)
    early = replay(flowchart, steps(*TO_CONFIDENTIAL, "confidential:not_sure", "*:urgent", "minimum_necessary:all_relevant",
                                    "recipient_check:yes", "secure_method:other", "inform_person:already_aware"))
    assert outcome_of(flowchart, early).id == "outcome_emergency_share"


def test_no_step_is_allowed_after_record(flowchart):
    position = replay(flowchart, steps(*WALKS["outcome_do_not_share"]))
    with pytest.raises(InvalidStep, match="already reached 'record'"):
        advance(flowchart, position, Step("*", "urgent"))


def test_all_relevant_is_not_offered_after_a_limited_public_interest_decision(flowchart):
    walk = WALKS["outcome_share_limited"]
    before = replay(flowchart, steps(*walk[: walk.index("minimum_necessary:limited_subset")]))
    assert before.at == "minimum_necessary"
    assert "all_relevant" not in allowed_answers(flowchart, before)
    with pytest.raises(InvalidStep):
        advance(flowchart, before, Step("minimum_necessary", "all_relevant"))


def test_consent_scope_no_loops_back_to_consent_outcome(flowchart):
    walk = WALKS["outcome_share_with_consent"]
    index = walk.index("consent_scope:yes")
    looped = (*walk[:index], "consent_scope:no", "consent_outcome:given", *walk[index:])
    position = replay(flowchart, steps(*looped))
    assert [s.node for s in position.steps].count("consent_outcome") == 2
    assert outcome_of(flowchart, position).id == "outcome_share_with_consent"


def test_changing_an_answer_keeps_later_answers_still_on_the_path(flowchart):
    walk = steps(*WALKS["outcome_share_no_consent_needed"])
    # asked_to_share → want_to_share changes nothing downstream: every later answer is kept.
    rewalk = change_answer(flowchart, walk, 0, Step("start", "want_to_share"))
    assert rewalk.dropped == ()
    assert is_complete(flowchart, rewalk.position)
    assert [s.node for s in rewalk.position.steps] == [s.node for s in walk]


def test_changing_an_answer_drops_answers_no_longer_on_the_path(flowchart):
    walk = steps(*WALKS["outcome_share_no_consent_needed"])
    rewalk = change_answer(flowchart, walk, 3, Step("statutory_duty", "no_or_power_only"))
    assert rewalk.position.at == "identifiable"
    assert not is_complete(flowchart, rewalk.position)
    assert [s.node for s in rewalk.dropped] == [
        "minimum_necessary", "recipient_check", "secure_method", "inform_person",
    ]


def test_a_change_reapplies_repeated_nodes_in_order(flowchart):
    walk = steps(*TO_CONFIDENTIAL, "confidential:not_sure", "seek_advice:resolved", "confidential:no",
                 "minimum_necessary:all_relevant")
    rewalk = change_answer(flowchart, walk, 0, Step("start", "asked_to_share"))
    assert rewalk.dropped == ()
    assert [s.node for s in rewalk.position.steps].count("confidential") == 2
    assert rewalk.position.at == "recipient_check"


def test_a_change_skips_steps_whose_node_never_comes_up(flowchart):
    walk = steps(*WALKS["outcome_share_anonymised"])
    rewalk = change_answer(flowchart, walk, 4, Step("identifiable", "yes"))
    assert rewalk.position.at == "confidential"
    assert [s.node for s in rewalk.dropped] == ["minimum_necessary", "recipient_check", "secure_method", "inform_person"]


def test_change_answer_refuses_a_step_for_another_node(flowchart):
    walk = steps(*WALKS["outcome_do_not_share"])
    with pytest.raises(InvalidStep):
        change_answer(flowchart, walk, 1, Step("purpose", "yes"))


def test_state_is_only_what_the_path_sets(flowchart):
    position = replay(flowchart, steps(*WALKS["outcome_share_with_consent"]))
    assert dict(position.state) == {
        "direction": "want_to_share", "emergency": False, "identifiable": True, "confidential": "yes",
        "subject_type": "adult", "capacity": "presumed", "consenter": "self", "consent_status": "given",
        "decision": "share", "informed": "will_inform",
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"emergency": True, "unresolved": True, "decision": "share"}, "outcome_emergency_share"),
        ({"unresolved": True, "decision": "do_not_share"}, "outcome_seek_advice"),
        ({"decision": "do_not_share", "identifiable": False}, "outcome_do_not_share"),
        ({"decision": "share", "identifiable": False, "duty": True}, "outcome_share_anonymised"),
        ({"decision": "share", "duty": True, "consent_status": "given"}, "outcome_share_no_consent_needed"),
        ({"decision": "share", "confidential": "no", "limited": True}, "outcome_share_no_consent_needed"),
        ({"decision": "share", "consent_status": "given", "limited": True}, "outcome_share_with_consent"),
        ({"decision": "share", "consent_status": "refused", "limited": True}, "outcome_share_limited"),
        ({"decision": "share", "consent_status": "refused"}, "outcome_share_without_consent"),
    ],
)
def test_outcome_rules_apply_in_order(flowchart, state, expected):
    assert flowchart.outcome_for(state).id == expected
