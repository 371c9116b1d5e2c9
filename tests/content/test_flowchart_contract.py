"""The shipped flowchart keeps the ids, routes and state effects that flowchart.md makes contracts."""

from pathlib import Path

import pytest

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]

# node: {answer: (next, set)} from the spec's section 3 table; not_sure is added by the engine.
CONTRACT = {
    "start": {a: ("emergency_check", {"direction": a}) for a in ("asked_to_share", "want_to_share", "want_to_request")},
    "emergency_check": {
        "yes": ("minimum_necessary", {"emergency": True, "decision": "share", "approval": "retrospective"}),
        "no": ("purpose", {"emergency": False}),
    },
    "purpose": {"yes": ("statutory_duty", {}), "no": ("record", {"decision": "do_not_share"})},
    "statutory_duty": {
        "yes_duty": ("minimum_necessary", {"duty": True, "consent_status": "not_applicable", "decision": "share"}),
        "no_or_power_only": ("identifiable", {}),
    },
    "identifiable": {
        "no": ("minimum_necessary", {"identifiable": False, "decision": "share"}),
        "yes": ("confidential", {"identifiable": True}),
    },
    "confidential": {
        "no": ("minimum_necessary", {"confidential": "no", "decision": "share"}),
        "yes": ("consent_safe_to_ask", {"confidential": "yes"}),
        "partly": ("consent_safe_to_ask", {"confidential": "partly"}),
    },
    "consent_safe_to_ask": {
        "yes_unsafe": ("harm_threshold", {"consent_status": "not_sought_unsafe"}),
        "no_safe": ("consent_practicable", {}),
    },
    "consent_practicable": {
        "yes": ("consent_from_whom", {}),
        "no": ("harm_threshold", {"consent_status": "not_sought_impracticable"}),
    },
    "consent_from_whom": {
        "adult_18_plus": ("adult_capacity_doubt", {"subject_type": "adult"}),
        "young_person_16_17": ("adult_capacity_doubt", {"subject_type": "young_person_16_17"}),
        "unborn_baby": ("adult_capacity_doubt", {"subject_type": "unborn"}),
        "child_under_16": ("child_competence", {"subject_type": "child_under_16"}),
    },
    "adult_capacity_doubt": {
        "no": ("consent_outcome", {"capacity": "presumed", "consenter": "self"}),
        "yes": ("mca_support", {}),
    },
    "mca_support": {
        "yes": ("mca_functional", {}), "cannot_wait": ("mca_functional", {}),
        "not_yet": ("record", {"decision": "do_not_share", "review_required": True}),
    },
    "mca_functional": {
        "no_can_do_all": ("consent_outcome", {"capacity": "has_capacity", "consenter": "self"}),
        "yes_cannot": ("mca_causation", {}),
    },
    "mca_causation": {
        "yes": ("lacks_capacity", {"capacity": "lacks_capacity"}),
        "no": ("consent_outcome", {"capacity": "has_capacity", "consenter": "self"}),
    },
    "lacks_capacity": {
        "yes_safe": ("consent_outcome", {"consenter": "attorney_or_deputy"}),
        "no_or_unsafe": ("best_interests", {}),
    },
    "best_interests": {
        "share": ("manager_approval", {"consent_status": "unable"}),
        "do_not_share": ("harm_threshold", {"consent_status": "unable"}),
        "wait_and_review": ("record", {"decision": "do_not_share", "review_required": True}),
    },
    "child_competence": {
        "competent": ("fraser_check", {"capacity": "gillick_competent", "consenter": "self"}),
        "not_competent": ("parental_responsibility", {"capacity": "not_competent"}),
    },
    "fraser_check": {"no": ("consent_outcome", {}), "yes": ("sexual_activity_flags", {})},
    "sexual_activity_flags": {
        "under_13": ("manager_approval", {"harm_level": "serious"}),
        "yes_flags": ("harm_threshold", {}), "no_flags": ("consent_outcome", {}),
    },
    "parental_responsibility": {
        "yes_safe": ("consent_outcome", {"consenter": "pr_holder"}),
        "no_or_unsafe": ("harm_threshold", {"consent_status": "not_sought_unsafe"}),
    },
    "consent_outcome": {
        "given": ("consent_scope", {}),
        "partly_given": ("harm_threshold", {"consent_status": "partly_given"}),
        "refused": ("harm_threshold", {"consent_status": "refused"}),
        "unable_right_now": ("harm_threshold", {"consent_status": "unable"}),
        "pressured": ("harm_threshold", {"consent_status": "pressured"}),
        "conflicting": ("harm_threshold", {"consent_status": "conflicting"}),
    },
    "consent_scope": {
        "yes": ("minimum_necessary", {"consent_status": "given", "decision": "share"}),
        "no": ("consent_outcome", {}),
    },
    "harm_threshold": {
        "yes_serious": ("manager_approval", {"harm_level": "serious"}),
        "lower_level_need": ("public_interest_balance", {"harm_level": "wellbeing"}),
        "no_risk": ("record", {"harm_level": "none", "decision": "do_not_share"}),
    },
    "public_interest_balance": {
        "share_full": ("manager_approval", {"public_interest": "share_full"}),
        "share_limited": ("manager_approval", {"public_interest": "share_limited", "limited": True}),
        "no": ("record", {"public_interest": "no", "decision": "do_not_share", "review_required": True}),
    },
    "manager_approval": {
        "approved": ("minimum_necessary", {"approval": "approved", "decision": "share"}),
        "urgent_no_time": ("minimum_necessary", {"approval": "retrospective", "decision": "share"}),
        "not_approved_agree": ("record", {"approval": "not_approved", "decision": "do_not_share"}),
        "not_approved_still_concerned": ("record", {"approval": "not_approved", "unresolved": True}),
    },
    "minimum_necessary": {"all_relevant": ("recipient_check", {}), "limited_subset": ("recipient_check", {"limited": True})},
    "recipient_check": {"yes": ("secure_method", {}), "no": ("seek_advice", {})},
    "secure_method": {
        m: ("inform_person", {}) for m in ("secure_email", "referral_portal_or_form", "phone_then_written", "in_person_meeting", "other")
    },
    "inform_person": {a: ("record", {"informed": a}) for a in ("already_aware", "will_inform", "not_informing")},
    "seek_advice": {"resolved": ("@return", {}), "unresolved": ("record", {"unresolved": True})},
    "record": {},
}
NO_NOT_SURE = {"start", "seek_advice", "record"}
OUTCOMES = [
    "outcome_emergency_share", "outcome_seek_advice", "outcome_do_not_share", "outcome_share_anonymised",
    "outcome_share_no_consent_needed", "outcome_share_with_consent", "outcome_share_limited",
    "outcome_share_without_consent",
]


@pytest.fixture(scope="module")
def flowchart():
    return load_flowchart(ROOT / "flowchart" / "information-sharing.yaml")


def test_the_node_ids_are_the_contract(flowchart):
    assert set(flowchart.nodes) == set(CONTRACT)
    assert next(iter(flowchart.nodes)) == "start"


@pytest.mark.parametrize("node_id", list(CONTRACT))
def test_each_node_routes_and_sets_state_as_specified(flowchart, node_id):
    node = flowchart.node(node_id)
    answers = {a.id: (a.next, dict(a.set)) for a in node.answers if a.id != "not_sure"}
    assert answers == CONTRACT[node_id]
    assert (node.answer("not_sure") is not None) == (node_id not in NO_NOT_SURE)
    assert node.question and (node.hint or node.is_terminal)


def test_every_question_names_its_legal_sources(flowchart):
    missing = [n.id for n in flowchart.nodes.values() if not n.sources and n.id not in ("start", "record")]
    assert missing == []


def test_outcomes_are_in_the_specified_order_with_their_text(flowchart):
    assert [o.id for o in flowchart.outcomes] == OUTCOMES
    for outcome in flowchart.outcomes:
        assert outcome.title and outcome.summary.startswith("Based on your answers")
        assert outcome.what_to_do and outcome.lawful_basis and outcome.record_must_contain


def test_only_share_limited_excludes_all_relevant(flowchart):
    unless = {(n.id, a.id): dict(a.unless) for n in flowchart.nodes.values() for a in n.answers if a.unless}
    assert unless == {("minimum_necessary", "all_relevant"): {"public_interest": "share_limited"}}


def test_answers_that_settle_the_decision_require_a_rationale(flowchart):
    for node in flowchart.nodes.values():
        for answer in node.answers:
            if {"decision", "consent_status", "harm_level", "public_interest", "approval"} & set(answer.set):
                assert answer.requires_rationale, (node.id, answer.id)
    assert flowchart.node("inform_person").answer("not_informing").requires_rationale


def test_the_urgent_button_is_as_specified(flowchart):
    assert flowchart.urgent.next == "minimum_necessary"
    assert dict(flowchart.urgent.set) == {"emergency": True, "decision": "share", "approval": "retrospective"}
    assert flowchart.urgent.guidance
