"""The shipped 1.1 flowchart uses the new engine features as flowchart.md section 7.2 says."""

import pytest

from isg.engine import InvalidStep, Step, advance, allowed_answers, is_complete, outcome_of, replay

from .walks import WALKS, steps

TO_CONSENT_OUTCOME = ("start:want_to_share", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
                      "identifiable:yes", "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes")


def test_the_shipped_file_is_version_1_1_with_a_reminder_and_a_glossary(live_flowchart):
    assert live_flowchart.version == "1.1.0"
    assert "referral" in live_flowchart.reminder
    assert live_flowchart.glossary
    assert any(o.shares for o in live_flowchart.outcomes)


def test_f9_unable_right_now_goes_to_mca_support_when_capacity_is_presumed(live_flowchart):
    walk = (*TO_CONSENT_OUTCOME, "consent_from_whom:adult_18_plus", "adult_capacity_doubt:no", "consent_outcome:unable_right_now")
    position = replay(live_flowchart, steps(*walk))
    assert position.at == "mca_support"
    answer = live_flowchart.node("consent_outcome").answer("unable_right_now")
    assert [r.next for r in answer.routes] == ["mca_support", "harm_threshold"]
    assert answer.next == "harm_threshold"


def test_f5_a_competent_pregnant_girl_under_16_always_passes_the_sexual_activity_flags(live_flowchart):
    walk = (*TO_CONSENT_OUTCOME, "consent_from_whom:unborn_baby", "mother_age:under_16", "child_competence:competent")
    position = replay(live_flowchart, steps(*walk))
    assert position.at == "fraser_check"
    assert "no" not in allowed_answers(live_flowchart, position)
    with pytest.raises(InvalidStep):
        advance(live_flowchart, position, Step("fraser_check", "no"))
    assert {"18_plus", "16_17", "under_16"} <= {a.id for a in live_flowchart.node("mother_age").answers}


def test_f4_not_seeking_consent_and_no_risk_ends_with_a_review(live_flowchart):
    walk = (*TO_CONSENT_OUTCOME[:6], "consent_safe_to_ask:yes_unsafe", "harm_threshold:no_risk")
    position = replay(live_flowchart, steps(*walk))
    assert outcome_of(live_flowchart, position).id == "outcome_do_not_share"
    assert position.state["review_required"] is True


def test_f1_serious_harm_leaves_no_way_to_simply_accept_a_refusal(live_flowchart):
    walk = (*TO_CONSENT_OUTCOME[:6], "consent_safe_to_ask:yes_unsafe", "harm_threshold:yes_serious")
    position = replay(live_flowchart, steps(*walk))
    assert position.at == "manager_approval"
    offered = allowed_answers(live_flowchart, position)
    assert "not_approved_agree" not in offered
    assert "not_approved_still_concerned" in offered


@pytest.mark.parametrize("outcome_id", list(WALKS))
def test_each_named_walk_reaches_its_outcome_on_the_shipped_file(live_flowchart, outcome_id):
    position = replay(live_flowchart, steps(*WALKS[outcome_id]))
    assert is_complete(live_flowchart, position)
    assert outcome_of(live_flowchart, position).id == outcome_id
