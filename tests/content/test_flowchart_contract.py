"""The shipped flowchart 1.2.0 keeps the ids, routes and state effects that flowchart.md makes contracts.

Sections 3 and 4 of the spec, as section 7 (the first legal review's corrections) and section 8 (one
approval, the second legal review, the safety rules) override them. Where section 8 says a route only in
words (the under-13 screen, who the information is about before `consent_safe_to_ask`, 'not needed'
re-checked, the harm question after `best_interests: share`), CONTRACT pins the route 1.2.0 ships.
"""

import hashlib
from pathlib import Path

import pytest

from isg.engine import load_flowchart
from isg.engine.model import AnyOf

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "flowchart" / "information-sharing.yaml"
ARCHIVED_1_0_1 = ROOT / "flowchart" / "archive" / "information-sharing-1.0.1.yaml"
SHA256_1_0_1 = "4b9e554ea8b774bcf59150dab4b44d0ab94264e544ecf11ddb51c43561282f3d"
ARCHIVED_1_1_0 = ROOT / "flowchart" / "archive" / "information-sharing-1.1.0.yaml"

# Conditions as the YAML writes them: a mapping, or a list of mappings (any one of them).
EMERGENCY_OR_DUTY = [{"emergency": True}, {"duty": True}]
CHILD_OR_GIRL_UNDER_16 = [{"subject_type": "child_under_16"}, {"mother_age": "under_16"}]
SUBJECT_KNOWN = {"subject_type": ("adult", "young_person_16_17", "child_under_16")}
MOTHER_AGE_KNOWN = {"mother_age": ("18_plus", "16_17", "under_16")}
UNDER_18_MOTHER = {"mother_age": ("16_17", "under_16")}
ADULT_SUBJECT = {"subject_type": ("adult", "unborn")}
SERIOUS = {"harm_level": "serious", "decision": "share"}
# Grounds whose referral to a statutory route is shared at once and reviewed after (8.1).
AFTER_SHARING_GROUNDS = ("child_significant_harm", "adult_at_risk", "under_13")


def after_the_subject():
    """8.2: who it is about is asked before confidentiality; an emergency or a duty goes to what is shared (S10)."""
    return [(EMERGENCY_OR_DUTY, "minimum_necessary", {}), ({}, "confidential", {})]


def duty(basis):
    """N3: `duty_basis` is a state variable; a duty still asks who it is about (S10)."""
    return ("consent_from_whom", {"duty": True, "duty_basis": basis, "consent_status": "not_applicable", "decision": "share"})


def skip_inform_if_anonymised():
    return [({"identifiable": False}, "record", {}), ({}, "inform_person", {})]


def not_confidential(reason):
    """N15: the reason is a state variable; a child's information still meets the under-13 screen (N2)."""
    return ([(CHILD_OR_GIRL_UNDER_16, "sexual_activity_screen", {}), ({}, "minimum_necessary", {})],
            {"confidential": "no", "not_confidential_reason": reason, "decision": "share"})


# node: {answer: (next, set)}; `next` is a node id, or a list of (when, next, set) cases in order.
# not_sure is added by the engine.
CONTRACT = {
    "start": {
        "asked_to_share": ("requester_verified", {"direction": "asked_to_share"}),  # N11
        "want_to_share": ("emergency_check", {"direction": "want_to_share"}),
        "want_to_request": ("emergency_check", {"direction": "want_to_request"}),
    },
    "requester_verified": {  # N11: checked before anything is shared
        "yes": ([
            ([{"emergency": True, **SUBJECT_KNOWN}, {"emergency": True, **MOTHER_AGE_KNOWN}], "minimum_necessary", {}),
            ({"emergency": True}, "consent_from_whom", {}),
            ({}, "emergency_check", {}),
        ], {"requester_verified": "yes"}),
        "no": ("record", {"requester_verified": "no", "decision": "do_not_share", "review_required": True}),
    },
    "emergency_check": {  # 8.1: no approval variable; S10: who it is about, then what is shared
        "yes": ("consent_from_whom", {"emergency": True, "decision": "share"}),
        "no": ("purpose", {"emergency": False}),
    },
    "purpose": {"yes": ("statutory_duty", {}), "no": ("record", {"decision": "do_not_share"})},
    "statutory_duty": {"yes_duty": ("duty_basis", {}), "no_or_power_only": ("identifiable", {})},
    "duty_basis": {
        **{basis: duty(basis) for basis in ("court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law")},
        "none_of_these": ("identifiable", {}),
    },
    "identifiable": {
        "no": ("minimum_necessary", {"identifiable": False, "decision": "share"}),
        "yes": ("consent_from_whom", {"identifiable": True}),
    },
    "consent_from_whom": {
        "adult_18_plus": (after_the_subject(), {"subject_type": "adult"}),
        "young_person_16_17": (after_the_subject(), {"subject_type": "young_person_16_17"}),
        "unborn_baby": ("mother_age", {"subject_type": "unborn"}),
        "child_under_16": (after_the_subject(), {"subject_type": "child_under_16"}),
    },
    "mother_age": {age: (after_the_subject(), {"mother_age": age}) for age in ("18_plus", "16_17", "under_16")},
    "sexual_activity_screen": {  # N2
        "yes_under_13": ("minimum_necessary", {**SERIOUS, "harm_ground": "under_13", "consent_status": "not_needed",
                                               "sexual_flags": True, "confidential": "yes"}),
        "yes_abuse_or_exploitation": ("minimum_necessary", {**SERIOUS, "harm_ground": "child_significant_harm",
                                                            "consent_status": "not_needed", "sexual_flags": True,
                                                            "confidential": "yes"}),
        "no": ([
            ({"confidential": "no"}, "minimum_necessary", {}),
            ({"capacity": "not_competent"}, "parental_responsibility", {}),
            ({}, "consent_outcome", {}),
        ], {}),
    },
    "confidential": {
        "no_public": not_confidential("public"),
        "no_trivial": not_confidential("trivial"),
        "yes": ("consent_safe_to_ask", {"confidential": "yes"}),
        "partly": ("consent_safe_to_ask", {"confidential": "partly"}),
    },
    "consent_safe_to_ask": {
        "yes_unsafe": ("harm_threshold", {"consent_status": "not_sought_unsafe"}),
        "not_needed_to_protect": ("harm_threshold", {"consent_status": "not_needed"}),
        "no_safe": ("consent_practicable", {}),
    },
    "consent_practicable": {
        "yes": ([(CHILD_OR_GIRL_UNDER_16, "child_competence", {}), ({}, "adult_capacity_doubt", {})], {}),
        "no": ("harm_threshold", {"consent_status": "not_sought_impracticable"}),
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
    "lacks_capacity": {  # N4: attorney_or_deputy split; N7: a person with parental responsibility for 16-17
        "attorney": ("consent_outcome", {"consenter": "attorney"}),
        "deputy": ("consent_outcome", {"consenter": "deputy"}),
        "parent": ("consent_outcome", {"consenter": "pr_holder"}),
        "no_or_unsafe": ("best_interests", {}),
    },
    "best_interests": {  # 8.1: a harm question after a best-interests share
        "share": ("best_interests_harm", {"consent_status": "unable"}),
        "do_not_share": ("harm_threshold", {"consent_status": "unable"}),
        "wait_and_review": ("record", {"decision": "do_not_share", "review_required": True}),
    },
    "best_interests_harm": {
        "adult_at_risk": ("minimum_necessary", {**SERIOUS, "harm_ground": "adult_at_risk"}),
        "child_at_risk": ("minimum_necessary", {**SERIOUS, "harm_ground": "child_significant_harm"}),
        "others_at_risk": ("minimum_necessary", {**SERIOUS, "harm_ground": "others_serious"}),
        "no_abuse": ("minimum_necessary", {"decision": "share"}),
    },
    "child_competence": {
        "competent": ("fraser_check", {"capacity": "gillick_competent", "consenter": "self"}),
        "not_competent": ("sexual_activity_screen", {"capacity": "not_competent"}),  # N2: before any parent
    },
    "fraser_check": {"no": ("sexual_activity_screen", {}), "yes": ("sexual_activity_flags", {})},
    "sexual_activity_flags": {
        "under_13": ("minimum_necessary", {**SERIOUS, "harm_ground": "under_13", "consent_status": "not_needed",
                                           "sexual_flags": True}),
        "yes_flags": ("harm_threshold", {"sexual_flags": True}),  # N6
        "no_flags": ("consent_outcome", {}),
    },
    "parental_responsibility": {
        "yes_safe": ("consent_outcome", {"consenter": "pr_holder"}),
        "no_or_unsafe": ("harm_threshold", {"consent_status": "not_sought_unsafe"}),
    },
    "consent_outcome": {
        "given": ("consent_scope", {}),
        "partly_given": ("harm_threshold", {"consent_status": "partly_given"}),
        "refused": ("harm_threshold", {"consent_status": "refused"}),
        "unable_right_now": ([
            ({"capacity": "presumed"}, "mca_support", {}),
            ({}, "harm_threshold", {"consent_status": "unable"}),
        ], {}),
        "pressured": ("harm_threshold", {"consent_status": "pressured"}),
        "conflicting": ("harm_threshold", {"consent_status": "conflicting"}),
        "not_asked_yet": ("record", {"decision": "do_not_share", "review_required": True}),
    },
    "consent_scope": {
        "yes": ("minimum_necessary", {"consent_status": "given", "decision": "share"}),
        "no": ("consent_outcome", {}),
    },
    "harm_threshold": {  # 8.1: the serious answer split by ground
        "yes_child_significant_harm": ("minimum_necessary", {**SERIOUS, "harm_ground": "child_significant_harm"}),
        "under_13": ("minimum_necessary", {**SERIOUS, "harm_ground": "under_13", "sexual_flags": True}),  # N2
        "yes_adult_at_risk": ([  # N5: this adult, reached after 'not needed', is asked first
            ({"consent_status": "not_needed"}, "consent_practicable", {}),
            ({}, "minimum_necessary", {**SERIOUS, "harm_ground": "adult_at_risk"}),
        ], {}),
        "yes_another_adult_at_risk": ("minimum_necessary", {**SERIOUS, "harm_ground": "adult_at_risk"}),
        "yes_others_serious_harm": ("minimum_necessary", {**SERIOUS, "harm_ground": "others_serious"}),
        "yes_serious_crime": ("minimum_necessary", {**SERIOUS, "harm_ground": "serious_crime"}),
        "lower_level_need": ([
            ({"consent_status": "not_needed"}, "consent_practicable", {}),  # N5
            ({"sexual_flags": True, "consent_status": None}, "consent_outcome", {}),  # N6: ask the child, once
            ({}, "public_interest_balance", {}),
        ], {"harm_level": "wellbeing"}),
        "no_risk": ([
            ({"sexual_flags": True, "consent_status": None}, "consent_outcome", {}),  # N6
            # S6: only a real refusal by a person who can decide, with no signs of abuse, goes unreviewed
            ({"consent_status": "refused", "consenter": "self", "sexual_flags": None}, "record", {"decision": "do_not_share"}),
            ({}, "record", {"decision": "do_not_share", "review_required": True}),
        ], {"harm_level": "none"}),
    },
    "public_interest_balance": {
        "share_full": ("minimum_necessary", {"public_interest": "share_full", "decision": "share"}),
        "share_limited": ("minimum_necessary", {"public_interest": "share_limited", "limited": True, "decision": "share"}),
        "no": ("record", {"public_interest": "no", "decision": "do_not_share", "review_required": True}),
    },
    "minimum_necessary": {"all_relevant": ("recipient_check", {}), "limited_subset": ("recipient_check", {"limited": True})},
    "recipient_check": {  # 8.1: recipient_route
        "yes_social_care": ("secure_method", {"recipient_route": "statutory", "recipient_kind": "social_care"}),
        "yes_police": ("secure_method", {"recipient_route": "statutory", "recipient_kind": "police"}),
        "yes_multi_agency": ("secure_method", {"recipient_route": "statutory", "recipient_kind": "multi_agency_meeting"}),
        "yes_other": ("secure_method", {"recipient_route": "other", "recipient_kind": "other"}),
        "no": ("seek_advice", {}),
    },
    "secure_method": {
        m: (skip_inform_if_anonymised(), {})
        for m in ("secure_email", "referral_portal_or_form", "phone_then_written", "in_person_meeting", "other")
    },
    "inform_person": {a: ("record", {"informed": a}) for a in ("already_aware", "will_inform", "not_informing")},
    "seek_advice": {
        "resolved": ("@return", {}),
        # An emergency goes back and finishes the record, the open question shown to the review (principle 4).
        "unresolved": ([({"emergency": True}, "@return", {}), ({}, "record", {})], {"unresolved": True}),
    },
    "record": {},
}
# 8.2: who the information is about, and who is asking, have no "not sure": the hints say what to do instead.
NO_NOT_SURE = {"start", "requester_verified", "consent_from_whom", "mother_age", "seek_advice", "record"}
UNLESS = {
    ("minimum_necessary", "all_relevant"): {"public_interest": "share_limited"},
    ("fraser_check", "no"): {"mother_age": "under_16"},  # F5
    ("consent_outcome", "not_asked_yet"): {"mother_age": "under_16"},  # N2
    ("duty_basis", "fgm_report"): {"direction": "want_to_request"},  # N14: the duty is the practitioner's own
    ("consent_from_whom", "adult_18_plus"): {"duty_basis": "fgm_report"},  # N14: a girl under 18
    ("mother_age", "18_plus"): {"duty_basis": "fgm_report"},
    ("recipient_check", "yes_social_care"): {"duty_basis": "fgm_report"},  # N14: the report goes to the police
    ("recipient_check", "yes_multi_agency"): {"duty_basis": "fgm_report"},
    ("recipient_check", "yes_other"): {"duty_basis": "fgm_report"},
    ("lacks_capacity", "attorney"): {"mother_age": ["16_17", "under_16"]},  # N7: no attorney under 18
    ("best_interests_harm", "adult_at_risk"): {"mother_age": ["16_17", "under_16"]},  # S9
    ("harm_threshold", "yes_adult_at_risk"): {"mother_age": ["16_17", "under_16"]},
}
ONLY_WHEN = {
    ("lacks_capacity", "attorney"): {"subject_type": ["adult", "unborn"]},
    ("lacks_capacity", "parent"): [{"subject_type": "young_person_16_17"}, {"mother_age": "16_17"}],
    ("best_interests_harm", "adult_at_risk"): {"subject_type": ["adult", "unborn"]},
    ("harm_threshold", "yes_adult_at_risk"): {"subject_type": ["adult", "unborn"]},
    ("harm_threshold", "under_13"): CHILD_OR_GIRL_UNDER_16,
}
# Section 4 as 7.2 (F12) and 8 (N11, N15, 8.1) change it: (outcome id, when, when_any, approval modes, shares).
# An unchecked requester's "do not share" comes first, above the emergency rule (N11).
OUTCOMES = [
    ("outcome_do_not_share", {}, [{"requester_verified": "no"}, {"decision": "do_not_share"}], [("none", {})], False),
    ("outcome_emergency_share", {"emergency": True}, [], [("after_sharing", {})], True),
    ("outcome_seek_advice", {"unresolved": True}, [], [("none", {})], False),
    ("outcome_share_anonymised", {"identifiable": False}, [], [("none", {})], True),
    ("outcome_share_no_consent_needed", {}, [{"duty": True}, {"confidential": "no"}],
     [("none", {"duty": True}), ("before_sharing", {})], True),  # N15: not confidential is approved first
    ("outcome_share_with_consent", {"consent_status": "given"}, [], [("none", {})], True),
    ("outcome_share_limited", {"public_interest": "share_limited"}, [], [("before_sharing", {})], True),
    ("outcome_share_without_consent", {"decision": "share"}, [],
     [("after_sharing", {"harm_ground": list(AFTER_SHARING_GROUNDS), "recipient_route": "statutory"}), ("before_sharing", {})], True),
]
# Section 2 as 7 and 8 change it: every variable and its values (None: a boolean).
VARIABLES = {
    "direction": ("asked_to_share", "want_to_share", "want_to_request"),
    "requester_verified": ("yes", "no"),
    "emergency": None,
    "duty": None,
    "duty_basis": ("court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law"),
    "identifiable": None,
    "subject_type": ("adult", "young_person_16_17", "child_under_16", "unborn"),
    "mother_age": ("18_plus", "16_17", "under_16"),
    "confidential": ("yes", "no", "partly"),
    "not_confidential_reason": ("public", "trivial"),
    "capacity": ("presumed", "has_capacity", "lacks_capacity", "gillick_competent", "not_competent"),
    "consenter": ("self", "pr_holder", "attorney", "deputy"),
    "consent_status": (
        "given", "partly_given", "refused", "unable", "pressured", "conflicting", "not_sought_unsafe",
        "not_sought_impracticable", "not_applicable", "not_needed",
    ),
    "harm_level": ("serious", "wellbeing", "none"),
    "harm_ground": ("child_significant_harm", "adult_at_risk", "under_13", "others_serious", "serious_crime"),
    "sexual_flags": None,
    "public_interest": ("share_full", "share_limited", "no"),
    "decision": ("share", "do_not_share"),
    "limited": None,
    "review_required": None,
    "unresolved": None,
    "recipient_route": ("statutory", "other"),
    "recipient_kind": ("social_care", "police", "multi_agency_meeting", "other"),
    "informed": ("already_aware", "will_inform", "not_informing"),
}
# 8.1: what the approver may answer, and what each answer means.
APPROVER_ANSWERS = {
    "before_sharing": [("approve", "approved"), ("return", "returned"), ("not_approve", "not_approved"), ("escalate", "escalated")],
    "after_sharing": [("agree", "agreed"), ("return", "returned"), ("disagree", "disagreed")],
}
# 8.3: the safety rules' ids are contracts (S14 is proven by the approval workflow's own tests).
SAFETY_RULES = [f"S{n}" for n in range(1, 14)]
# 7.3 (F21) and the brief: the glossary covers at least these terms (a term or an alias).
GLOSSARY_TERMS = [
    "Gillick competence", "Fraser guidelines", "MARAC", "DASH", "IDVA", "strategy discussion", "s.42 enquiry",
    "s.47 enquiry", "Safeguarding Adults Board", "special category data", "public task", "legitimate interests",
    "vital interests", "legal obligation", "necessary and proportionate", "public interest", "significant harm",
    "adult at risk", "parental responsibility", "mental capacity", "best interests", "lasting power of attorney",
    "deputy", "designated safeguarding lead", "Caldicott guardian", "data protection officer", "FGM",
    "information-sharing agreement", "DPIA", "anonymised", "pseudonymised", "consent", "Gillick", "Fraser", "DSL",
    "approver", "appropriate policy document", "law enforcement purposes",
]
# Terms that name the app's own roles rather than law or guidance: no source to cite yet. `approver`
# (8.1) should cite the guidance that sign-off is procedure, not law (HM Government 2024; Working
# Together 2023): reported, not fixed here, because its text is the flowchart's.
UNSOURCED_TERMS = {"approver"}


def plain(condition):
    """A condition as comparable data: a mapping with lists for tuples, or a list of them (any of)."""
    if isinstance(condition, AnyOf):
        return [plain(clause) for clause in condition.clauses]
    if isinstance(condition, list):
        return [plain(clause) for clause in condition]
    return {key: (list(value) if isinstance(value, tuple) else value) for key, value in condition.items()}


def routes_of(answer):
    routes = [(plain(r.when), r.next, dict(r.set)) for r in answer.routes]
    return routes[0][1] if len(routes) == 1 and not routes[0][0] and not routes[0][2] else routes


def expected_routes(spec):
    if isinstance(spec, str):
        return spec
    return [(plain(when), nxt, st) for when, nxt, st in spec]


@pytest.fixture(scope="module")
def flowchart():
    return load_flowchart(LIVE)


def test_the_live_file_is_version_1_2_0(flowchart):
    assert flowchart.version == "1.2.0"


def test_the_node_ids_are_the_contract(flowchart):
    assert list(flowchart.nodes)[0] == "start"
    assert set(flowchart.nodes) == set(CONTRACT)
    # 8.1: the walk no longer asks whether a manager agreed; 8.2 and N11 add these questions
    assert "manager_approval" not in flowchart.nodes
    assert {"requester_verified", "duty_basis", "sexual_activity_screen", "best_interests_harm"} <= set(flowchart.nodes)


@pytest.mark.parametrize("node_id", list(CONTRACT))
def test_each_node_routes_and_sets_state_as_specified(flowchart, node_id):
    node = flowchart.node(node_id)
    answers = {a.id: (routes_of(a), dict(a.set)) for a in node.answers if a.id != "not_sure"}
    expected = {a: (expected_routes(nxt), st) for a, (nxt, st) in CONTRACT[node_id].items()}
    assert answers == expected
    assert (node.answer("not_sure") is not None) == (node_id not in NO_NOT_SURE)
    assert node.question and (node.hint or node.is_terminal)


def test_only_the_specified_answers_are_withheld_by_state(flowchart):
    unless = {(n.id, a.id): plain(a.unless) for n in flowchart.nodes.values() for a in n.answers if a.unless}
    only_when = {(n.id, a.id): plain(a.only_when) for n in flowchart.nodes.values() for a in n.answers if a.only_when}
    assert unless == {key: plain(value) for key, value in UNLESS.items()}
    assert only_when == {key: plain(value) for key, value in ONLY_WHEN.items()}


def test_the_variables_and_their_values(flowchart):
    assert dict(flowchart.variables) == VARIABLES
    assert "approval" not in flowchart.variables  # 8.1: the approval is the workflow's, not a state variable


def test_every_question_names_its_legal_sources(flowchart):
    missing = [n.id for n in flowchart.nodes.values() if not n.sources and n.id not in ("start", "record")]
    assert missing == []


def test_withdrawn_and_foreign_guidance_is_labelled_as_background(flowchart):
    for node in flowchart.nodes.values():
        for source in node.sources:
            if "2008" in source.title or "South Australia" in source.title:
                assert source.title.startswith("Background only"), (node.id, source.title)


def test_outcome_rules_are_in_the_specified_order(flowchart):
    rules = [
        (o.id, plain(o.when), [plain(c) for c in o.when_any], [(m.mode, plain(m.when)) for m in o.approval_modes], o.shares)
        for o in flowchart.outcomes
    ]
    assert rules == [(i, plain(w), [plain(c) for c in a], [(m, plain(c)) for m, c in modes], s) for i, w, a, modes, s in OUTCOMES]


def test_each_final_state_declares_its_approval_mode(flowchart):
    """8.1: after sharing only for an emergency, or a child or adult at risk referred to a statutory route;
    a duty declares none; everything else without consent is approved before sharing."""
    referral = {"decision": "share", "harm_ground": "child_significant_harm", "recipient_route": "statutory"}
    assert flowchart.approval_mode_for(referral) == "after_sharing"
    assert flowchart.approval_mode_for({**referral, "harm_ground": "adult_at_risk"}) == "after_sharing"
    assert flowchart.approval_mode_for({**referral, "harm_ground": "under_13"}) == "after_sharing"
    assert flowchart.approval_mode_for({**referral, "recipient_route": "other"}) == "before_sharing"
    assert flowchart.approval_mode_for({**referral, "harm_ground": "others_serious"}) == "before_sharing"
    assert flowchart.approval_mode_for({**referral, "harm_ground": "serious_crime"}) == "before_sharing"
    assert flowchart.approval_mode_for({"decision": "share", "consent_status": "unable"}) == "before_sharing"  # best interests, no abuse
    assert flowchart.approval_mode_for({"decision": "share", "emergency": True}) == "after_sharing"
    assert flowchart.approval_mode_for({"decision": "share", "duty": True, "duty_basis": "court_order"}) == "none"
    assert flowchart.approval_mode_for({"decision": "share", "confidential": "no"}) == "before_sharing"  # N15
    assert flowchart.approval_mode_for({"decision": "share", "consent_status": "given"}) == "none"
    # An unchecked requester gets nothing, even in an emergency (N11).
    assert flowchart.outcome_for({"emergency": True, "decision": "do_not_share", "requester_verified": "no"}).id == "outcome_do_not_share"


def test_what_the_approver_may_answer(flowchart):
    """8.1: where the harm is serious, a ground is recorded or it is an emergency, the only "no" is to escalate."""
    for mode, answers in APPROVER_ANSWERS.items():
        assert [(a.id, a.result) for a in flowchart.approver_answers[mode]] == answers
    serious = {"decision": "share", "harm_level": "serious", "harm_ground": "others_serious"}
    assert [a.id for a in flowchart.approver_answers_for("before_sharing", serious)] == ["approve", "return", "escalate"]
    for state in ({"decision": "share", "harm_ground": "serious_crime"}, {"decision": "share", "emergency": True}):
        assert "not_approve" not in [a.id for a in flowchart.approver_answers_for("before_sharing", state)]
    lower = {"decision": "share", "harm_level": "wellbeing", "public_interest": "share_full"}
    assert [a.id for a in flowchart.approver_answers_for("before_sharing", lower)] == ["approve", "return", "not_approve"]
    assert [a.id for a in flowchart.approver_answers_for("after_sharing", serious)] == ["agree", "return", "disagree"]
    disagree = next(a for a in flowchart.approver_answers["after_sharing"] if a.id == "disagree")
    assert "never withdrawn" in disagree.hint and "72 hours" in disagree.hint


def test_every_outcome_has_its_texts(flowchart):
    for outcome in flowchart.outcomes:
        assert outcome.title and outcome.summary.startswith("Based on your answers")
        assert all(v.text.startswith("Based on your answers") for v in outcome.summary_variants), outcome.id
        assert outcome.what_to_do_items and outcome.lawful_basis_items and outcome.record_must_contain_items


def test_every_outcome_carries_the_safeguarding_reminder(flowchart):
    assert "does not replace a referral" in flowchart.reminder
    assert "significant harm" in flowchart.reminder and "social care" in flowchart.reminder
    for outcome in flowchart.outcomes:
        assert outcome.text_for({"direction": "want_to_share"}, flowchart).reminder == flowchart.reminder


def test_every_share_outcome_says_what_to_do_after_sharing(flowchart):
    for outcome in flowchart.outcomes:
        for direction in ("asked_to_share", "want_to_share", "want_to_request"):
            after = " ".join(outcome.text_for({"direction": direction}, flowchart).after_sharing)
            if outcome.shares:
                record = "Record what you asked for" if direction == "want_to_request" else "Record each share"
                assert record in after and "follow up" in after.lower() and "information-sharing agreement" in after
            else:
                assert after == ""
    shares = " ".join(t.text for t in flowchart.after_sharing if "want_to_request" not in str(t.when))
    assert "whether the person knows" in shares and "identity of the person who raised the concern" in shares


def test_requests_are_worded_as_requests(flowchart):
    request = {"direction": "want_to_request"}
    titles = {o.id: o.text_for(request, flowchart).title for o in flowchart.outcomes}
    assert titles["outcome_share_without_consent"] == "Request without consent"
    assert titles["outcome_do_not_share"] == "Do not request"
    for outcome in flowchart.outcomes:
        if outcome.shares:
            assert "Request" in titles[outcome.id] or "Ask" in titles[outcome.id]
            text = outcome.text_for(request, flowchart)
            assert "makes its own decision" in text.summary
            assert not [line for line in text.what_to_do if line.startswith("Share") or "what was shared" in line]
            assert "Record what you asked for, what you received" in " ".join(text.after_sharing)


def test_do_not_share_speaks_of_a_refusal_only_when_someone_refused(flowchart):
    outcome = flowchart.outcome("outcome_do_not_share")

    def words(state):
        text = outcome.text_for({"direction": "want_to_share", "decision": "do_not_share", **state}, flowchart)
        return " ".join([text.title, text.summary, *text.what_to_do, *text.lawful_basis, *text.record_must_contain])

    for status in ("pressured", "conflicting", "unable", "not_sought_unsafe", "not_sought_impracticable", "not_needed"):
        assert "refus" not in words({"consent_status": status, "subject_type": "adult"}).lower(), status
    assert "Respect the refusal of an adult" in words({"consent_status": "refused", "capacity": "presumed", "subject_type": "adult"})
    young = words({"consent_status": "refused", "capacity": "presumed", "subject_type": "young_person_16_17"})
    assert "Respect the refusal of a young person" in young and "refusal of an adult" not in young  # N7
    child = words({"consent_status": "refused", "capacity": "gillick_competent", "subject_type": "child_under_16"})
    assert "child who understands enough" in child and "refusal of an adult" not in child
    assert "a parent's refusal does not stop a referral" in words({"consent_status": "refused", "consenter": "pr_holder",
                                                                     "subject_type": "child_under_16"})
    # N6 and N2: signs of abuse, and a pregnancy under 16, are never left without the safeguarding lead
    assert "Signs of abuse or exploitation were recorded" in words({"consent_status": "refused", "sexual_flags": True})
    assert "designated safeguarding lead" in words({"mother_age": "under_16", "subject_type": "unborn"})


def test_the_lawful_basis_depends_on_who_is_protected(flowchart):
    """7.3 (F8), N8 and S12: the Article 9 condition follows who is protected; Part 2 conditions carry the
    appropriate-policy-document line; a refusal is also an objection."""
    outcome = flowchart.outcome("outcome_share_without_consent")

    def tags(state):
        return {tag for item in outcome.shown_items({"decision": "share", **state}, flowchart) for tag in item.tags}

    def basis(state):
        return " ".join(outcome.text_for({"decision": "share", **state}, flowchart).lawful_basis)

    for child in ({"subject_type": "child_under_16"}, {"subject_type": "young_person_16_17"},
                  {"subject_type": "adult", "harm_ground": "child_significant_harm"}, {"subject_type": "adult", "harm_ground": "under_13"}):
        assert "para18_child" in tags(child), child
        assert "Special category data, to protect a child" in basis(child)
    adult = {"subject_type": "adult", "harm_ground": "others_serious"}
    assert "para18_child" not in tags(adult) and "Special category data, to protect a child" not in basis(adult)
    assert "paragraph 18" in basis(adult) and "paragraph 10" in basis(adult) and "9(2)(h)" in basis(adult)
    assert "protect someone's life" in basis(adult)
    assert "An unborn baby: the information is the mother's" in basis({"subject_type": "unborn", "mother_age": "18_plus"})
    for state in (adult, {"subject_type": "child_under_16"}):
        assert {"sch1_part2", "appropriate_policy_document"} <= tags(state)
    assert "Article 21" in basis({**adult, "consent_status": "refused"}) and "Article 21" not in basis(adult)
    duty = flowchart.outcome("outcome_share_no_consent_needed").text_for({"duty": True, "duty_basis": "court_order"}, flowchart)
    assert any("paragraph 6" in line and "9(2)(f)" in line for line in duty.lawful_basis)
    assert not any("paragraph 18" in line for line in duty.lawful_basis)


def test_seek_advice_keeps_the_question_open_and_a_referral_moving(flowchart):
    outcome = flowchart.outcome("outcome_seek_advice")
    advice = " ".join(outcome.text_for({"unresolved": True}, flowchart).what_to_do)
    assert "designated safeguarding lead" in advice and "Caldicott guardian" in advice and "keep this decision open" in advice
    assert "refer to children's or adults' social care now" not in advice
    serious = " ".join(outcome.text_for({"unresolved": True, "harm_level": "serious"}, flowchart).what_to_do)
    assert "refer to children's or adults' social care now" in serious and "does not stop a referral" in serious


def test_domestic_abuse_names_the_specialist_routes_and_a_16_or_17_year_old_is_a_child(flowchart):
    outcome = flowchart.outcome("outcome_share_without_consent")
    adult = " ".join(outcome.text_for({"decision": "share", "harm_level": "serious", "subject_type": "adult",
                                       "capacity": "presumed"}, flowchart).what_to_do)
    for name in ("DASH", "MARAC", "police", "IDVA", "adults' social care is not the route"):
        assert name in adult
    young = " ".join(outcome.text_for({"decision": "share", "harm_level": "serious", "subject_type": "young_person_16_17",
                                       "capacity": "presumed"}, flowchart).what_to_do)
    assert "Domestic Abuse Act 2021 s.1(2)" in young and "young people's IDVA" in young  # N7
    assert "adults' social care is not the route" not in young


def test_answers_that_settle_the_decision_require_a_rationale(flowchart):
    for node in flowchart.nodes.values():
        for answer in node.answers:
            if {"decision", "consent_status", "harm_level", "public_interest", "approval"} & set(answer.set):
                assert answer.requires_rationale, (node.id, answer.id)
    assert flowchart.node("inform_person").answer("not_informing").requires_rationale


def test_the_urgent_button_is_as_specified(flowchart):
    """Principle 4 as N11 and S10 change it: share at once, but check a requester first and know who it is about."""
    assert dict(flowchart.urgent.set) == {"emergency": True, "decision": "share"}
    request = {"direction": ("want_to_share", "want_to_request")}
    assert [(plain(r.when), r.next, dict(r.set)) for r in flowchart.urgent.routes] == [
        (plain([{"requester_verified": "yes", **SUBJECT_KNOWN}, {"requester_verified": "yes", **MOTHER_AGE_KNOWN}]), "minimum_necessary", {}),
        ({"requester_verified": "yes"}, "consent_from_whom", {}),
        (plain([{**request, **SUBJECT_KNOWN}, {**request, **MOTHER_AGE_KNOWN}]), "minimum_necessary", {}),
        (plain(request), "consent_from_whom", {}),
        ({}, "requester_verified", {}),
    ]
    guidance = " ".join(flowchart.urgent.guidance)
    assert "999" in guidance and "give them nothing" in guidance


def field(flowchart, node_id, field_id):
    return next(f for f in flowchart.node(node_id).fields if f.id == field_id)


def test_a_legal_duty_names_its_basis(flowchart):
    """N3 and N14: the basis is a question of its own; s.27, Care Act s.7, s.115 and Sch 2 para 2 are not duties."""
    provision = field(flowchart, "duty_basis", "duty_provision")
    assert provision.shown_for == {"court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law"}
    for basis in ("court_order", "s47_request", "s16h_requirement", "care_act_s45", "other_law"):
        assert provision.is_required(answer=basis, state={}), basis
    discovered = field(flowchart, "duty_basis", "fgm_discovered")
    assert discovered.type == "confirm" and discovered.is_required(answer="fgm_report", state={})
    assert "under 18" in discovered.label
    statutory = flowchart.node("statutory_duty")
    assert "FGM" in statutory.hint_for({"direction": "want_to_share"}) and "s.47" in statutory.hint
    for power in ("s.27", "Care Act 2014 s.7", "s.115", "Schedule 2 paragraph 2"):
        assert power in statutory.more, power
    assert "not a requirement" in flowchart.node("duty_basis").answer("other_law").hint


def test_minimum_necessary_requires_the_accuracy_confirmation(flowchart):
    confirm = field(flowchart, "minimum_necessary", "accuracy_confirmed")
    assert confirm.type == "confirm"
    for answer in ("all_relevant", "limited_subset"):
        assert confirm.is_required(answer=answer, state={})
    node = flowchart.node("minimum_necessary")
    assert node.question_for({"emergency": True}) != node.question_for({})
    assert "did you share" in node.question_for({"emergency": True})


def test_inform_person_asks_only_what_fits_the_answer(flowchart):
    node = flowchart.node("inform_person")
    shown = {f.id: set(f.shown_for) for f in node.fields}
    assert shown == {
        "inform_who": {"will_inform"}, "inform_by": {"will_inform"},
        "not_informing_reason": {"not_informing"}, "not_informing_agreed_by": {"not_informing"},
        "reconsider_date": {"not_informing"},
    }
    reason = field(flowchart, "inform_person", "not_informing_reason")
    assert [c.id for c in reason.choices] == ["increases_risk", "prejudices_investigation", "cannot_contact", "other"]
    labels = {c.id: c.label for c in reason.choices}
    # N9: the reasons cite what applies
    assert "golden rule 2" in labels["increases_risk"] and "5(1)(a)" in labels["increases_risk"]
    assert "Schedule 2 paragraph 2" in labels["prejudices_investigation"] and "record the attempts" in labels["cannot_contact"]
    assert not any("Schedule 3" in label or "14(5)" in label for label in labels.values())
    assert "data protection officer or Caldicott guardian" in labels["other"]
    agreed_by = field(flowchart, "inform_person", "not_informing_agreed_by")
    assert agreed_by.is_required(answer="not_informing", state={}, values={"not_informing_reason": "other"})
    assert not agreed_by.is_required(answer="not_informing", state={}, values={"not_informing_reason": "cannot_contact"})
    reconsider = field(flowchart, "inform_person", "reconsider_date")
    assert reconsider.type == "date" and reconsider.is_required(answer="not_informing", state={})
    assert not reconsider.is_required(answer="will_inform", state={})
    for field_id in ("inform_who", "inform_by"):
        assert field(flowchart, "inform_person", field_id).is_required(answer="will_inform", state={})
    assert "for a child who cannot decide, a parent" in node.question


def test_the_consent_hints_say_whose_agreement_counts(flowchart):
    """N4: only a competent child's agreement counts for them; N2's screen and N5's labels."""
    consent = flowchart.node("consent_outcome")
    competent = consent.hint_for({"capacity": "gillick_competent"})
    assert competent.startswith("Only the child's agreement counts") and "parental responsibility" not in competent
    assert any("child_only_consent" in item.tags for item in consent.shown_items({"capacity": "gillick_competent"}))
    assert "No one's agreement replaces" in consent.more_for({})
    screen = flowchart.node("sexual_activity_screen")
    assert screen.question_for({}) == ("Is this about sexual activity involving a child who was, or may have been, under 13, "
                                       "or are there signs of sexual abuse or exploitation?")
    assert flowchart.node("fraser_check").question == "Is this about sexual activity, contraception, or sexual or reproductive health?"
    safe = {a.id: a.label for a in flowchart.node("consent_safe_to_ask").answers}
    assert safe["no_safe"] == "No, it is safe to ask (or tell) them first"
    assert "someone other than this adult is at risk of serious harm" in safe["not_needed_to_protect"]


def test_records_are_kept_by_who_they_are_about(flowchart):
    """N13: only a decision about an adult keeps the adult period; a child's, an unborn baby's or one that
    never learnt who it was about is kept at least to the child's 25th birthday."""
    classes = {c.id: (c.years, c.until_age) for c in flowchart.retention_classes}
    assert classes == {"adult": (7, None), "child": (7, 25)}
    assert flowchart.retention_class_for({"subject_type": "adult"}).id == "adult"
    for state in ({"subject_type": "child_under_16"}, {"subject_type": "young_person_16_17"},
                  {"subject_type": "unborn", "mother_age": "18_plus"}, {}):
        assert flowchart.retention_class_for(state).id == "child", state


def test_the_safety_rules_are_named_in_the_data(flowchart):
    """8.3: each rule is written in the flowchart's own data, with a source and a formal check."""
    assert [rule.id for rule in flowchart.safety] == SAFETY_RULES
    for rule in flowchart.safety:
        assert rule.title and rule.text and rule.checks, rule.id


def test_the_record_asks_for_the_public_task_function_optionally(flowchart):
    function = field(flowchart, "record", "public_task_function")
    assert not function.is_required(answer=None, state={"review_required": True})
    assert "s.11" in function.hint and "s.175" in function.hint


def test_the_glossary_covers_every_term_of_art(flowchart):
    names = {name.lower() for term in flowchart.glossary for name in term.names}
    missing = [term for term in GLOSSARY_TERMS if term.lower() not in names]
    assert missing == []
    for term in flowchart.glossary:
        assert term.definition, term.id
        assert term.sources or term.id in UNSOURCED_TERMS, term.id
    assert all(not term.sources for term in flowchart.glossary if term.id in UNSOURCED_TERMS)  # remove an id once it cites one
    fraser = flowchart.glossary_term("fraser_guidelines")
    assert all(f"({n})" in fraser.definition for n in range(1, 6))


def test_the_archived_files_are_unchanged_and_still_load():
    assert hashlib.sha256(ARCHIVED_1_0_1.read_bytes()).hexdigest() == SHA256_1_0_1
    archived = load_flowchart(ARCHIVED_1_0_1)
    assert archived.version == "1.0.1" and archived.sha256 == SHA256_1_0_1
    assert "mother_age" not in archived.nodes
    # 1.1.0 decisions keep displaying and replaying as made (section 8)
    previous = load_flowchart(ARCHIVED_1_1_0)
    assert previous.version == "1.1.0" and "manager_approval" in previous.nodes
