"""The shipped 1.2 flowchart does what flowchart.md section 8 says, on its own named walks."""

import pytest

from isg.engine import InvalidStep, Step, advance, allowed_answers, is_complete, outcome_of, replay

from .walks import EXTRA_WALKS, TO_CHILD, TO_SUBJECT, WALKS, steps

TO_ADULT_CONSENT_OUTCOME = (*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                            "adult_capacity_doubt:no")


def test_the_shipped_file_is_version_1_2_with_a_reminder_a_glossary_and_safety_rules(live_flowchart):
    assert live_flowchart.version == "1.2.0"
    assert "referral" in live_flowchart.reminder
    assert live_flowchart.glossary
    assert [rule.id for rule in live_flowchart.safety] == [f"S{n}" for n in range(1, 14)]
    assert "manager_approval" not in live_flowchart.nodes


def test_f9_unable_right_now_goes_to_mca_support_when_capacity_is_presumed(live_flowchart):
    position = replay(live_flowchart, steps(*TO_ADULT_CONSENT_OUTCOME, "consent_outcome:unable_right_now"))
    assert position.at == "mca_support"


TO_CHILD_WHO_CANNOT_DECIDE = (*TO_CHILD, "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                              "child_competence:not_competent")


def test_the_subject_is_asked_before_confidentiality_and_a_child_meets_the_under_13_question(live_flowchart):
    position = replay(live_flowchart, steps(*TO_SUBJECT[:5]))
    assert position.at == "consent_from_whom"
    assert replay(live_flowchart, steps(*TO_CHILD)).at == "confidential"
    # a child who cannot decide meets the screen before any parent is asked
    assert replay(live_flowchart, steps(*TO_CHILD_WHO_CANNOT_DECIDE)).at == "sexual_activity_screen"
    assert replay(live_flowchart, steps(*TO_CHILD_WHO_CANNOT_DECIDE, "sexual_activity_screen:no")).at == "parental_responsibility"
    # a child who can decide, about something other than sexual activity, meets it before being asked
    competent = (*TO_CHILD, "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                 "child_competence:competent")
    assert replay(live_flowchart, steps(*competent, "fraser_check:no")).at == "sexual_activity_screen"
    assert replay(live_flowchart, steps(*competent, "fraser_check:no", "sexual_activity_screen:no")).at == "consent_outcome"
    assert replay(live_flowchart, steps(*competent, "fraser_check:yes")).at == "sexual_activity_flags"
    # information judged not confidential still meets the screen
    assert replay(live_flowchart, steps(*TO_CHILD, "confidential:no_trivial")).at == "sexual_activity_screen"
    # consent not sought: the harm question offers 'under 13' for a child, never for an adult
    harm = replay(live_flowchart, steps(*TO_CHILD, "confidential:yes", "consent_safe_to_ask:not_needed_to_protect"))
    assert harm.at == "harm_threshold" and "under_13" in allowed_answers(live_flowchart, harm)
    adult = replay(live_flowchart, steps(*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:yes_unsafe"))
    assert "under_13" not in allowed_answers(live_flowchart, adult)


def test_a_pregnant_girl_under_16_meets_the_screen_and_cannot_be_left_unasked(live_flowchart):
    walk = (*TO_SUBJECT[:5], "consent_from_whom:unborn_baby", "mother_age:under_16", "confidential:yes",
            "consent_safe_to_ask:no_safe", "consent_practicable:yes", "child_competence:not_competent")
    position = replay(live_flowchart, steps(*walk))
    assert position.at == "sexual_activity_screen"
    walk += ("sexual_activity_screen:no", "parental_responsibility:yes_safe")
    position = replay(live_flowchart, steps(*walk))
    assert position.at == "consent_outcome"
    assert "not_asked_yet" not in allowed_answers(live_flowchart, position)
    with pytest.raises(InvalidStep):
        advance(live_flowchart, position, Step("consent_outcome", "not_asked_yet"))


def test_under_13_at_the_screen_is_serious_and_needs_no_consent(live_flowchart):
    position = replay(live_flowchart, steps(*TO_CHILD_WHO_CANNOT_DECIDE, "sexual_activity_screen:yes_under_13"))
    assert position.at == "minimum_necessary"
    assert position.state["harm_level"] == "serious" and position.state["harm_ground"] == "under_13"
    assert position.state["consent_status"] == "not_needed"
    assert "consenter" not in position.state  # decided before any parent is asked


def test_not_seeking_consent_and_no_risk_ends_with_a_review(live_flowchart):
    walk = (*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:yes_unsafe", "harm_threshold:no_risk")
    position = replay(live_flowchart, steps(*walk))
    assert outcome_of(live_flowchart, position).id == "outcome_do_not_share"
    assert position.state["review_required"] is True


def test_an_adults_real_refusal_with_no_risk_needs_no_review(live_flowchart):
    walk = (*TO_ADULT_CONSENT_OUTCOME, "consent_outcome:refused", "harm_threshold:no_risk")
    position = replay(live_flowchart, steps(*walk))
    assert outcome_of(live_flowchart, position).id == "outcome_do_not_share"
    assert "review_required" not in position.state


def test_consent_not_needed_then_a_lower_level_need_goes_back_to_asking(live_flowchart):
    walk = (*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:not_needed_to_protect", "harm_threshold:lower_level_need")
    assert replay(live_flowchart, steps(*walk)).at == "consent_practicable"


def test_an_unverified_requester_gets_nothing_even_in_an_emergency(live_flowchart):
    position = replay(live_flowchart, steps("start:asked_to_share", "*:urgent", "requester_verified:no"))
    outcome = outcome_of(live_flowchart, position)
    assert outcome.id == "outcome_do_not_share"
    text = outcome.text_for(position.state, live_flowchart)
    assert any("999" in line and "yourself" in line for line in text.what_to_do)
    assert not text.title.startswith("Share")


def test_a_request_is_checked_before_anything_is_shared(live_flowchart):
    assert replay(live_flowchart, steps("start:asked_to_share")).at == "requester_verified"
    assert replay(live_flowchart, steps("start:asked_to_share", "*:urgent")).at == "requester_verified"
    assert replay(live_flowchart, steps("start:asked_to_share", "*:urgent", "requester_verified:yes")).at == "consent_from_whom"


def test_s27_and_care_act_s7_are_not_duty_bases(live_flowchart):
    bases = {a.id for a in live_flowchart.node("duty_basis").answers}
    assert {"court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law"} <= bases
    assert not bases & {"s27_request", "care_act_s7"}
    assert live_flowchart.variables["duty_basis"] == (
        "court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law")


@pytest.mark.parametrize(("walk", "mode"), [
    ("child_referral_after_sharing", "after_sharing"),
    ("child_serious_harm_to_charity", "before_sharing"),
    ("public_interest_share", "before_sharing"),
])
def test_the_approval_mode_follows_the_ground_and_the_recipient(live_flowchart, walk, mode):
    position = replay(live_flowchart, steps(*EXTRA_WALKS[walk]))
    outcome = outcome_of(live_flowchart, position)
    assert outcome.id == "outcome_share_without_consent"
    assert outcome.approval_mode_for(position.state) == mode


def test_a_serious_harm_approver_can_only_escalate_a_no(live_flowchart):
    position = replay(live_flowchart, steps(*EXTRA_WALKS["child_serious_harm_to_charity"]))
    offered = {a.id: a.result for a in live_flowchart.approver_answers_for("before_sharing", position.state)}
    assert offered == {"approve": "approved", "return": "returned", "escalate": "escalated"}
    position = replay(live_flowchart, steps(*EXTRA_WALKS["public_interest_share"]))
    offered = {a.id: a.result for a in live_flowchart.approver_answers_for("before_sharing", position.state)}
    assert offered == {"approve": "approved", "return": "returned", "not_approve": "not_approved"}


def test_after_sharing_the_approver_agrees_returns_or_disagrees(live_flowchart):
    position = replay(live_flowchart, steps(*EXTRA_WALKS["child_referral_after_sharing"]))
    offered = [a.result for a in live_flowchart.approver_answers_for("after_sharing", position.state)]
    assert offered == ["agreed", "returned", "disagreed"]


@pytest.mark.parametrize("outcome_id", list(WALKS))
def test_each_named_walk_reaches_its_outcome_on_the_shipped_file(live_flowchart, outcome_id):
    position = replay(live_flowchart, steps(*WALKS[outcome_id]))
    assert is_complete(live_flowchart, position)
    assert outcome_of(live_flowchart, position).id == outcome_id
