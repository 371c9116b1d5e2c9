"""The routes legal-review.md found unsafe in 1.0.1 (F1, F2, F4, F5, F9, F12) end where flowchart.md 7 says, in 1.1.0.

1.1.0 is archived: decisions made under it still replay under it, so what 7 fixed must stay fixed
there. Each test replays the review's path with `manage.py flowchart walk --flowchart <1.1.0> --json`,
as a practitioner's answers would, and checks the outcome and the state the record keeps. The
second review's paths on 1.2.0 are in test_legal_review_1_1_walks.py.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]
FLOWCHART = ROOT / "flowchart" / "archive" / "information-sharing-1.1.0.yaml"

# want_to_share, no emergency, a purpose, no duty, identifiable and confidential: the consent questions come next.
TO_CONSENT = [
    ("start", "want_to_share"), ("emergency_check", "no"), ("purpose", "yes"),
    ("statutory_duty", "no_or_power_only"), ("identifiable", "yes"), ("confidential", "yes"),
]
ADULT_ASKED = [
    *TO_CONSENT, ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"),
    ("consent_from_whom", "adult_18_plus"), ("adult_capacity_doubt", "no"),
]
SHARE_STEPS = [
    ("minimum_necessary", "all_relevant"), ("recipient_check", "yes"),
    ("secure_method", "secure_email"), ("inform_person", "will_inform"),
]
SERIOUS_UNSAFE = [*TO_CONSENT, ("consent_safe_to_ask", "yes_unsafe"), ("harm_threshold", "yes_serious")]
REFUSAL_WORDS = ("refus",)


def walk(tmp_path, steps) -> tuple[int, dict | None, str]:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps([{"node": node, "answer": answer} for node, answer in steps]))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("flowchart", "walk", "--answers", str(path), "--flowchart", str(FLOWCHART), "--json",
                     stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, (json.loads(out.getvalue()) if code == 0 else None), err.getvalue()


def allowed_answers(err: str) -> set[str]:
    """The answers an error lists as allowed: it ends with them, after the last colon."""
    return {answer.strip(" .\n") for answer in err.rsplit(":", 1)[-1].split(",")}


def outcome_text(result):
    flowchart = load_flowchart(FLOWCHART)
    outcome = flowchart.outcome(result["outcome"])
    text = outcome.text_for(result["state"], flowchart)
    return " ".join([text.title, text.summary, *text.what_to_do, *text.lawful_basis, *text.record_must_contain])


# F1: a manager's "no" after serious harm cannot end in "do not share".


@pytest.mark.parametrize("route", [
    pytest.param(SERIOUS_UNSAFE, id="harm_threshold"),
    pytest.param([
        *TO_CONSENT, ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"),
        ("consent_from_whom", "child_under_16"), ("child_competence", "competent"),
        ("fraser_check", "yes"), ("sexual_activity_flags", "under_13"),
    ], id="under_13"),
])
def test_f1_after_serious_harm_a_manager_cannot_close_the_case_as_do_not_share(tmp_path, route):
    code, _, err = walk(tmp_path, [*route, ("manager_approval", "not_approved_agree")])
    assert code == 2 and "manager_approval" in err
    assert allowed_answers(err) == {"approved", "urgent_no_time", "not_approved_still_concerned", "not_sure"}

    code, result, _ = walk(tmp_path, [*route, ("manager_approval", "not_approved_still_concerned")])
    assert code == 0 and result["complete"]
    assert result["outcome"] == "outcome_seek_advice"
    assert result["state"]["unresolved"] is True and result["state"]["approval"] == "not_approved"
    assert result["state"]["harm_level"] == "serious"
    assert "decision" not in result["state"]


def test_f1_the_escalation_names_someone_beyond_the_manager(tmp_path):
    _, result, _ = walk(tmp_path, [*SERIOUS_UNSAFE, ("manager_approval", "not_approved_still_concerned")])
    text = outcome_text(result)
    assert "escalation procedure" in text and "named or designated" in text and "anyone can make a referral" in text


def test_f1_a_manager_may_still_say_no_when_the_need_is_lower_level(tmp_path):
    code, result, _ = walk(tmp_path, [
        *TO_CONSENT, ("consent_safe_to_ask", "yes_unsafe"), ("harm_threshold", "lower_level_need"),
        ("public_interest_balance", "share_full"), ("manager_approval", "not_approved_agree"),
    ])
    assert code == 0 and result["outcome"] == "outcome_do_not_share"
    assert result["state"]["review_required"] is True


# F2: consent is not needed to protect a child or an adult at risk.


def test_f2_consent_not_needed_to_protect_goes_to_the_harm_question(tmp_path):
    code, result, _ = walk(tmp_path, [*TO_CONSENT, ("consent_safe_to_ask", "not_needed_to_protect")])
    assert code == 0 and result["at"] == "harm_threshold"
    assert result["state"]["consent_status"] == "not_needed"


def test_f2_and_it_ends_as_sharing_without_consent_with_the_reminder(tmp_path):
    code, result, _ = walk(tmp_path, [
        *TO_CONSENT, ("consent_safe_to_ask", "not_needed_to_protect"), ("harm_threshold", "yes_serious"),
        ("manager_approval", "approved"), *SHARE_STEPS,
    ])
    assert code == 0 and result["outcome"] == "outcome_share_without_consent"
    assert result["state"]["consent_status"] == "not_needed"
    flowchart = load_flowchart(FLOWCHART)
    text = flowchart.outcome(result["outcome"]).text_for(result["state"], flowchart)
    assert "does not replace a referral" in text.reminder and text.after_sharing


# F4: coercion is not a refusal, and a do-not-share after it must be reviewed.


def test_f4_pressured_then_no_risk_is_do_not_share_with_a_review_and_no_refusal_wording(tmp_path):
    code, result, _ = walk(tmp_path, [*ADULT_ASKED, ("consent_outcome", "pressured"), ("harm_threshold", "no_risk")])
    assert code == 0 and result["outcome"] == "outcome_do_not_share"
    assert result["state"]["consent_status"] == "pressured"
    assert result["state"]["review_required"] is True
    text = outcome_text(result).lower()
    assert not any(word in text for word in REFUSAL_WORDS)


def test_f4_a_real_refusal_is_worded_as_one_and_needs_no_review(tmp_path):
    code, result, _ = walk(tmp_path, [*ADULT_ASKED, ("consent_outcome", "refused"), ("harm_threshold", "no_risk")])
    assert code == 0 and result["outcome"] == "outcome_do_not_share"
    assert "review_required" not in result["state"]
    assert "refusal" in outcome_text(result).lower()


@pytest.mark.parametrize("consent_steps, status", [
    ([("consent_safe_to_ask", "yes_unsafe")], "not_sought_unsafe"),
    ([("consent_safe_to_ask", "no_safe"), ("consent_practicable", "no")], "not_sought_impracticable"),
    ([("consent_safe_to_ask", "not_needed_to_protect")], "not_needed"),
])
def test_f4_every_unasked_consent_that_ends_in_no_risk_is_reviewed(tmp_path, consent_steps, status):
    code, result, _ = walk(tmp_path, [*TO_CONSENT, *consent_steps, ("harm_threshold", "no_risk")])
    assert code == 0 and result["outcome"] == "outcome_do_not_share"
    assert result["state"]["consent_status"] == status and result["state"]["review_required"] is True


# F5: a pregnant girl under 16 is not sent down the adult capacity route.


def test_f5_a_competent_pregnant_girl_under_16_must_pass_the_sexual_activity_question(tmp_path):
    route = [
        *TO_CONSENT, ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"),
        ("consent_from_whom", "unborn_baby"), ("mother_age", "under_16"), ("child_competence", "competent"),
    ]
    code, result, _ = walk(tmp_path, route)
    assert code == 0 and result["at"] == "fraser_check"
    assert result["state"]["subject_type"] == "unborn" and result["state"]["mother_age"] == "under_16"
    assert result["state"]["capacity"] == "gillick_competent"

    code, _, err = walk(tmp_path, [*route, ("fraser_check", "no")])
    assert code == 2 and "fraser_check" in err
    assert allowed_answers(err) == {"yes", "not_sure"}

    code, result, _ = walk(tmp_path, [*route, ("fraser_check", "yes"), ("sexual_activity_flags", "under_13")])
    assert code == 0 and result["at"] == "manager_approval"
    assert result["state"]["harm_level"] == "serious"


@pytest.mark.parametrize("age, next_node", [("18_plus", "adult_capacity_doubt"), ("16_17", "adult_capacity_doubt"), ("under_16", "child_competence")])
def test_f5_the_mothers_age_decides_the_capacity_route(tmp_path, age, next_node):
    code, result, _ = walk(tmp_path, [
        *TO_CONSENT, ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"),
        ("consent_from_whom", "unborn_baby"), ("mother_age", age),
    ])
    assert code == 0 and result["at"] == next_node
    assert result["state"]["mother_age"] == age and result["state"]["subject_type"] == "unborn"


# F9: a temporary inability to take it in is a capacity question for anyone 16 or over.


def test_f9_unable_right_now_with_presumed_capacity_goes_to_the_mca_questions(tmp_path):
    code, result, _ = walk(tmp_path, [*ADULT_ASKED, ("consent_outcome", "unable_right_now")])
    assert code == 0 and result["at"] == "mca_support"
    assert "consent_status" not in result["state"] and result["state"]["capacity"] == "presumed"


def test_f9_for_a_parent_asked_for_a_child_it_goes_on_to_the_harm_question(tmp_path):
    code, result, _ = walk(tmp_path, [
        *TO_CONSENT, ("consent_safe_to_ask", "no_safe"), ("consent_practicable", "yes"),
        ("consent_from_whom", "child_under_16"), ("child_competence", "not_competent"),
        ("parental_responsibility", "yes_safe"), ("consent_outcome", "unable_right_now"),
    ])
    assert code == 0 and result["at"] == "harm_threshold"
    assert result["state"]["consent_status"] == "unable"


# F12: sharing a subset in a serious-harm case is still sharing without consent.


def test_f12_serious_harm_with_a_limited_subset_is_share_without_consent(tmp_path):
    code, result, _ = walk(tmp_path, [
        *SERIOUS_UNSAFE, ("manager_approval", "approved"), ("minimum_necessary", "limited_subset"),
        *SHARE_STEPS[1:],
    ])
    assert code == 0 and result["outcome"] == "outcome_share_without_consent"
    assert result["state"]["limited"] is True and result["requires_approval"] is True


def test_f12_share_limited_is_for_a_public_interest_balance_that_justified_only_a_part(tmp_path):
    code, result, _ = walk(tmp_path, [
        *TO_CONSENT, ("consent_safe_to_ask", "yes_unsafe"), ("harm_threshold", "lower_level_need"),
        ("public_interest_balance", "share_limited"), ("manager_approval", "approved"),
        ("minimum_necessary", "limited_subset"), *SHARE_STEPS[1:],
    ])
    assert code == 0 and result["outcome"] == "outcome_share_limited"
    assert result["state"]["public_interest"] == "share_limited"


# The anonymised route has no one to tell, so it skips inform_person.


def test_the_anonymised_route_does_not_ask_whether_to_tell_the_person(tmp_path):
    code, result, _ = walk(tmp_path, [
        ("start", "want_to_share"), ("emergency_check", "no"), ("purpose", "yes"),
        ("statutory_duty", "no_or_power_only"), ("identifiable", "no"), ("minimum_necessary", "all_relevant"),
        ("recipient_check", "yes"), ("secure_method", "secure_email"),
    ])
    assert code == 0 and result["complete"] and result["outcome"] == "outcome_share_anonymised"
    assert "inform_person" not in [step["node"] for step in result["path"]]


def test_a_request_is_worded_as_a_request(tmp_path):
    code, result, _ = walk(tmp_path, [
        ("start", "want_to_request"), *TO_CONSENT[1:], ("consent_safe_to_ask", "yes_unsafe"),
        ("harm_threshold", "yes_serious"), ("manager_approval", "approved"), *SHARE_STEPS,
    ])
    assert code == 0 and result["outcome"] == "outcome_share_without_consent"
    text = outcome_text(result)
    assert text.startswith("Request without consent") and "makes its own decision" in text
