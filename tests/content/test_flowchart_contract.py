"""The shipped flowchart 1.1.0 keeps the ids, routes and state effects that flowchart.md makes contracts.

Sections 3 and 4 of the spec, as section 7 (the legal review's corrections) overrides them.
"""

import hashlib
from pathlib import Path

import pytest

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "flowchart" / "information-sharing.yaml"
ARCHIVED_1_0_1 = ROOT / "flowchart" / "archive" / "information-sharing-1.0.1.yaml"
SHA256_1_0_1 = "4b9e554ea8b774bcf59150dab4b44d0ab94264e544ecf11ddb51c43561282f3d"

# F4: a do-not-share reached with one of these consent states must be reviewed.
UNASKED_OR_INVALID = ("pressured", "conflicting", "unable", "not_sought_unsafe", "not_sought_impracticable", "not_needed")


def review_if_unasked(target):
    return [({"consent_status": UNASKED_OR_INVALID}, target, {"review_required": True}), ({}, target, {})]


def skip_inform_if_anonymised():
    return [({"identifiable": False}, "record", {}), ({}, "inform_person", {})]


# node: {answer: (next, set)}; `next` is a node id, or a list of (when, next, set) cases in order.
# not_sure is added by the engine.
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
        "not_needed_to_protect": ("harm_threshold", {"consent_status": "not_needed"}),
        "no_safe": ("consent_practicable", {}),
    },
    "consent_practicable": {
        "yes": ("consent_from_whom", {}),
        "no": ("harm_threshold", {"consent_status": "not_sought_impracticable"}),
    },
    "consent_from_whom": {
        "adult_18_plus": ("adult_capacity_doubt", {"subject_type": "adult"}),
        "young_person_16_17": ("adult_capacity_doubt", {"subject_type": "young_person_16_17"}),
        "unborn_baby": ("mother_age", {"subject_type": "unborn"}),
        "child_under_16": ("child_competence", {"subject_type": "child_under_16"}),
    },
    "mother_age": {
        "18_plus": ("adult_capacity_doubt", {"subject_type": "unborn", "mother_age": "18_plus"}),
        "16_17": ("adult_capacity_doubt", {"subject_type": "unborn", "mother_age": "16_17"}),
        "under_16": ("child_competence", {"subject_type": "unborn", "mother_age": "under_16"}),
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
    "harm_threshold": {
        "yes_serious": ("manager_approval", {"harm_level": "serious"}),
        "lower_level_need": ("public_interest_balance", {"harm_level": "wellbeing"}),
        "no_risk": (review_if_unasked("record"), {"harm_level": "none", "decision": "do_not_share"}),
    },
    "public_interest_balance": {
        "share_full": ("manager_approval", {"public_interest": "share_full"}),
        "share_limited": ("manager_approval", {"public_interest": "share_limited", "limited": True}),
        "no": ("record", {"public_interest": "no", "decision": "do_not_share", "review_required": True}),
    },
    "manager_approval": {
        "approved": ("minimum_necessary", {"approval": "approved", "decision": "share"}),
        "urgent_no_time": ("minimum_necessary", {"approval": "retrospective", "decision": "share"}),
        "not_approved_agree": (review_if_unasked("record"), {"approval": "not_approved", "decision": "do_not_share"}),
        "not_approved_still_concerned": ("record", {"approval": "not_approved", "unresolved": True}),
    },
    "minimum_necessary": {"all_relevant": ("recipient_check", {}), "limited_subset": ("recipient_check", {"limited": True})},
    "recipient_check": {"yes": ("secure_method", {}), "no": ("seek_advice", {})},
    "secure_method": {
        m: (skip_inform_if_anonymised(), {})
        for m in ("secure_email", "referral_portal_or_form", "phone_then_written", "in_person_meeting", "other")
    },
    "inform_person": {a: ("record", {"informed": a}) for a in ("already_aware", "will_inform", "not_informing")},
    "seek_advice": {"resolved": ("@return", {}), "unresolved": ("record", {"unresolved": True})},
    "record": {},
}
NO_NOT_SURE = {"start", "seek_advice", "record"}
UNLESS = {
    ("minimum_necessary", "all_relevant"): {"public_interest": "share_limited"},
    ("fraser_check", "no"): {"mother_age": "under_16"},
    ("manager_approval", "not_approved_agree"): {"harm_level": "serious"},
}
# Section 4 with 7.2's F12: (outcome id, when, when_any, requires approval, shares).
OUTCOMES = [
    ("outcome_emergency_share", {"emergency": True}, [], True, True),
    ("outcome_seek_advice", {"unresolved": True}, [], False, False),
    ("outcome_do_not_share", {"decision": "do_not_share"}, [], False, False),
    ("outcome_share_anonymised", {"identifiable": False}, [], False, True),
    ("outcome_share_no_consent_needed", {}, [{"duty": True}, {"confidential": "no"}], False, True),
    ("outcome_share_with_consent", {"consent_status": "given"}, [], False, True),
    ("outcome_share_limited", {"public_interest": "share_limited"}, [], True, True),
    ("outcome_share_without_consent", {"decision": "share"}, [], True, True),
]
NEW_VALUES = {
    "mother_age": ("18_plus", "16_17", "under_16"),
    "consent_status": (
        "given", "partly_given", "refused", "unable", "pressured", "conflicting", "not_sought_unsafe",
        "not_sought_impracticable", "not_applicable", "not_needed",
    ),
}
# 7.3 (F21) and the brief: the glossary covers at least these terms (a term or an alias).
GLOSSARY_TERMS = [
    "Gillick competence", "Fraser guidelines", "MARAC", "DASH", "IDVA", "strategy discussion", "s.42 enquiry",
    "s.47 enquiry", "Safeguarding Adults Board", "special category data", "public task", "legitimate interests",
    "vital interests", "legal obligation", "necessary and proportionate", "public interest", "significant harm",
    "adult at risk", "parental responsibility", "mental capacity", "best interests", "lasting power of attorney",
    "deputy", "designated safeguarding lead", "Caldicott guardian", "data protection officer", "FGM",
    "information-sharing agreement", "DPIA", "anonymised", "pseudonymised", "consent", "Gillick", "Fraser", "DSL",
]


def plain(condition):
    return {key: (list(value) if isinstance(value, tuple) else value) for key, value in condition.items()}


def routes_of(answer):
    routes = [(plain(r.when), r.next, dict(r.set)) for r in answer.routes]
    return routes[0][1] if len(routes) == 1 and not routes[0][0] and not routes[0][2] else routes


def expected_routes(spec):
    if isinstance(spec, str):
        return spec
    return [(plain({k: (list(v) if isinstance(v, tuple) else v) for k, v in when.items()}), nxt, st) for when, nxt, st in spec]


@pytest.fixture(scope="module")
def flowchart():
    return load_flowchart(LIVE)


def test_the_live_file_is_version_1_1_0(flowchart):
    assert flowchart.version == "1.1.0"


def test_the_node_ids_are_the_contract(flowchart):
    assert list(flowchart.nodes)[0] == "start"
    assert set(flowchart.nodes) == set(CONTRACT)


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
    only_when = {(n.id, a.id) for n in flowchart.nodes.values() for a in n.answers if a.only_when}
    assert unless == UNLESS
    assert only_when == set()


def test_new_variables_and_values(flowchart):
    for name, values in NEW_VALUES.items():
        assert flowchart.variables[name] == values


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
        (o.id, plain(o.when), [plain(c) for c in o.when_any], o.requires_approval, o.shares)
        for o in flowchart.outcomes
    ]
    assert rules == OUTCOMES
    assert flowchart.outcome("outcome_emergency_share").is_retrospective


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
                assert "Record what" in after and "follow up" in after.lower() and "information-sharing agreement" in after
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

    for status in UNASKED_OR_INVALID:
        assert "refus" not in words({"consent_status": status}).lower(), status
    assert "refusal" in words({"consent_status": "refused", "capacity": "presumed"})
    child = words({"consent_status": "refused", "capacity": "gillick_competent", "subject_type": "child_under_16"})
    assert "adult" not in child and "child who understands enough" in child


def test_the_lawful_basis_depends_on_who_is_protected(flowchart):
    outcome = flowchart.outcome("outcome_share_without_consent")
    basis = " ".join(outcome.text_for({"decision": "share", "subject_type": "child_under_16"}, flowchart).lawful_basis)
    assert "paragraph 18" in basis and "paragraph 10" in basis and "9(2)(h)" in basis
    assert "Special category data about a child" in basis
    adult = " ".join(outcome.text_for({"decision": "share", "subject_type": "adult"}, flowchart).lawful_basis)
    assert "Special category data about a child" not in adult
    assert "protect someone's life" in adult


def test_seek_advice_after_a_refusal_escalates_beyond_the_manager(flowchart):
    outcome = flowchart.outcome("outcome_seek_advice")
    refused = " ".join(outcome.text_for({"unresolved": True, "approval": "not_approved"}, flowchart).what_to_do)
    assert "escalation procedure" in refused and "named or designated" in refused and "refer" in refused
    advice = " ".join(outcome.text_for({"unresolved": True}, flowchart).what_to_do)
    assert "escalation procedure" not in advice


def test_domestic_abuse_of_an_adult_names_the_specialist_routes(flowchart):
    outcome = flowchart.outcome("outcome_share_without_consent")
    text = " ".join(outcome.text_for({"decision": "share", "harm_level": "serious"}, flowchart).what_to_do)
    for name in ("DASH", "MARAC", "police", "IDVA", "adults' social care is not the route"):
        assert name in text


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


def field(flowchart, node_id, field_id):
    return next(f for f in flowchart.node(node_id).fields if f.id == field_id)


def test_a_legal_duty_names_its_basis(flowchart):
    basis = field(flowchart, "statutory_duty", "duty_basis")
    assert basis.type == "choice" and basis.shown_for == {"yes_duty"}
    assert basis.is_required(answer="yes_duty", state={}) and not basis.is_required(answer="no_or_power_only", state={})
    assert [c.id for c in basis.choices] == [
        "court_order", "s47_request", "s27_request", "care_act_s7", "care_act_s45", "s16h_requirement", "fgm_report",
        "other_law",
    ]
    provision = field(flowchart, "statutory_duty", "duty_provision")
    assert provision.shown_for == {"yes_duty"} and provision.is_required(answer="yes_duty", state={})
    assert "5B" in flowchart.node("statutory_duty").hint and "s.27" in flowchart.node("statutory_duty").hint


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
    assert "Schedule 2 paragraph 2" in labels["prejudices_investigation"] and "14(5)(b)" in labels["cannot_contact"]
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


def test_the_record_asks_for_the_public_task_function_optionally(flowchart):
    function = field(flowchart, "record", "public_task_function")
    assert not function.is_required(answer=None, state={"review_required": True})
    assert "s.11" in function.hint and "s.175" in function.hint


def test_the_glossary_covers_every_term_of_art(flowchart):
    names = {name.lower() for term in flowchart.glossary for name in term.names}
    missing = [term for term in GLOSSARY_TERMS if term.lower() not in names]
    assert missing == []
    for term in flowchart.glossary:
        assert term.definition and term.sources, term.id
    fraser = flowchart.glossary_term("fraser_guidelines")
    assert all(f"({n})" in fraser.definition for n in range(1, 6))


def test_the_archived_1_0_1_file_is_unchanged_and_still_loads():
    assert hashlib.sha256(ARCHIVED_1_0_1.read_bytes()).hexdigest() == SHA256_1_0_1
    archived = load_flowchart(ARCHIVED_1_0_1)
    assert archived.version == "1.0.1" and archived.sha256 == SHA256_1_0_1
    assert "mother_age" not in archived.nodes
