"""Every path of the second legal review (legal-review-1.1.md: N1-N15, and F1-F22 re-checked), on 1.2.0.

The review's 50 answer files (shared/spec/legal-review-1.1-walks/, beside the repository) were written
for 1.1.0. `REVIEW_WALKS` says, for each file, where 1.1.0 takes it (as the review reported) and where
the shipped 1.2.0 refuses it: every one is refused at the first question that 1.2 asks in a new place
(`requester_verified` after `start: asked_to_share`, N11; `consent_from_whom` right after
`identifiable: yes`, 8.2; `duty_basis` after `statutory_duty: yes_duty`, N3), and most also name a
node or answer that 1.2.0 no longer has (`manager_approval`, 8.1; split answers).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from isg.engine import (
    InvalidStep,
    Step,
    allowed_answers,
    load_flowchart,
    outcome_of,
    replay,
)

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
FLOWCHART = REPO / "flowchart" / "information-sharing.yaml"
FLOWCHART_1_1 = REPO / "flowchart" / "archive" / "information-sharing-1.1.0.yaml"


def beside_the_repository(*parts: str) -> Path:
    """../shared beside the repository (parents[3] of this file), as tests/content reaches the seeds; a
    git worktree kept one level further down (wt/NAME) finds it one level up."""
    for base in HERE.parents[3:5]:
        if base.joinpath(*parts).is_dir():
            return base.joinpath(*parts)
    return HERE.parents[3].joinpath(*parts)


REVIEW_DIR = beside_the_repository("shared", "spec", "legal-review-1.1-walks")

# Why an answer file is refused at a step.
NEW_QUESTION = "new question"  # 1.2 asks there a question 1.1 did not have
MOVED_QUESTION = "moved question"  # 1.2 asks there a question 1.1 asked later
REMOVED_NODE = "removed node"
REMOVED_ANSWER = "removed answer"
SPLIT_ANSWER = "split answer"
NOT_OFFERED = "not offered here"  # the answer exists, but its `unless`/`only_when` rules it out in this state

REMOVED_NODES = {"manager_approval": "8.1: one approval, the app's workflow; the walk no longer asks about a manager"}
SPLITS = {
    ("harm_threshold", "yes_serious"): {
        "yes_child_significant_harm", "under_13", "yes_adult_at_risk", "yes_others_serious_harm", "yes_serious_crime",
    },
    ("recipient_check", "yes"): {"yes_social_care", "yes_police", "yes_multi_agency", "yes_other"},
    ("confidential", "no"): {"no_public", "no_trivial"},
    ("lacks_capacity", "yes_safe"): {"attorney", "deputy", "parent"},
}
REMOVED_ANSWERS = {
    ("duty_basis", "s27_request"): "N3: Children Act 1989 s.27 is not a duty that overrides confidentiality",
    ("duty_basis", "care_act_s7"): "N3: Care Act 2014 s.7 is not a duty that overrides confidentiality",
}

SHARE_WITHOUT = "outcome_share_without_consent"
DO_NOT_SHARE = "outcome_do_not_share"
WITH_CONSENT = "outcome_share_with_consent"
NO_CONSENT_NEEDED = "outcome_share_no_consent_needed"


@dataclass(frozen=True)
class Refused:
    step: int  # 1-based, as `flowchart walk` numbers it
    at: str  # the question the 1.2.0 walk is at
    node: str  # what the refused step answers
    answer: str
    why: str


def subject_first(answer: str = "yes") -> Refused:
    """1.2 asks who the information is about right after `identifiable: yes` (8.2), before `confidential`."""
    return Refused(6, "consent_from_whom", "confidential", answer, MOVED_QUESTION)


def requester_first(answer: str = "no") -> Refused:
    """1.2 checks who is asking right after `start: asked_to_share` (N11), before `emergency_check`."""
    return Refused(2, "requester_verified", "emergency_check", answer, NEW_QUESTION)


def duty_basis_first() -> Refused:
    """1.2 asks which legal requirement applies as a question after `yes_duty` (N3); in 1.1 it was a field."""
    return Refused(5, "duty_basis", "minimum_necessary", "all_relevant", NEW_QUESTION)


@dataclass(frozen=True)
class ReviewWalk:
    finding: str
    reason: str
    on_1_1: str  # where 1.1.0 takes the file: an outcome id, "at NODE" (incomplete) or "refused at NODE"
    refused: Refused  # on 1.2.0
    gone: tuple[str, ...] = ()  # its steps naming a node or an answer that 1.2.0 no longer has


HARM = "harm_threshold=yes_serious"
MANAGER = "manager_approval=approved"
RECIPIENT = "recipient_check=yes"

REVIEW_WALKS: dict[str, ReviewWalk] = {
    "cs01_main": ReviewWalk(
        "F10, N10", "cs01, police about a 14-year-old: his parents never considered; 'already committed a crime'",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs02_main": ReviewWalk(
        "N1", "cs02 Cassie: best-interests share sets no harm level, so no referral prompt for her children",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT)),
    "cs03_main": ReviewWalk(
        "F17", "cs03 answers not_asked_yet (fixed in 1.1); a request, so 1.2 checks the requester first",
        DO_NOT_SHARE, requester_first()),
    "cs04_main": ReviewWalk(
        "F16", "cs04 'Do not request': an adult refuses, no risk (fixed in 1.1)",
        DO_NOT_SHARE, subject_first()),
    "cs05_should_have": ReviewWalk(
        "F17", "cs05 answers not_needed_to_protect (fixed in 1.1)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs07_ted": ReviewWalk(
        "N1, F20", "cs07 Ted's best-interests walk: no harm level, no referral to adults' social care",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT)),
    "cs09_main": ReviewWalk(
        "N12, F8", "cs09: the parents' own history decided on the child's route; para 18 'about a child' line",
        "outcome_share_limited", subject_first(), (MANAGER, RECIPIENT)),
    "cs10_main": ReviewWalk(
        "N9, F13", "cs10 not_informing: the reasons cite Sch 3 and Art 14(5)(b)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs11_main": ReviewWalk(
        "N12, F20", "cs11: Ruth's own information decided with her as the PR holder for Edward",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs12_main": ReviewWalk(
        "F18", "cs12 answers consent_practicable: no (fixed in 1.1)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs16_teacher_to_health_visitor": ReviewWalk(
        "F11, N15", "cs16 A: not sure it is confidential, advice, then 'Yes' (F11 fixed; the hint's contradiction is N15)",
        SHARE_WITHOUT, subject_first("not_sure"), (MANAGER, RECIPIENT)),
    "cs17_main": ReviewWalk(
        "F18", "cs17 Jackie, asked by social care: competence and flags walked (fixed in 1.1)",
        SHARE_WITHOUT, requester_first(), (HARM, MANAGER, RECIPIENT)),
    "cs18_family3_housing_trust": ReviewWalk(
        "F14", "cs18 answers yes_serious with a 14-year-old in the house (fixed in 1.1)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs19_main": ReviewWalk(
        "F20", "cs19 keeps an open mind (fixed in 1.1); its not-asked-yet variant is f10",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "cs20_first_visit": ReviewWalk(
        "F5", "cs20 first visit: a competent 14-year-old, no flags, refuses; public interest 'no'",
        DO_NOT_SHARE, subject_first()),
    "cs21_request_history": ReviewWalk(
        "F16, F19", "cs21 request for the history: the record list still speaks of sharing (F16)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "f01_ted_manager_refuses": ReviewWalk(
        "N1", "Ted: the manager's 'No, and I accept' ends an adult-at-risk case in Do not share",
        DO_NOT_SHARE, subject_first(), ("manager_approval=not_approved_agree",)),
    "f01b_ted_as_walked": ReviewWalk(
        "N1", "Ted as walked: shared with no harm level and no referral line",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT)),
    "f01c_control_serious": ReviewWalk(
        "N1, F1", "control: after yes_serious the plain 'no' was already refused in 1.1",
        "refused at manager_approval", subject_first(), (HARM, "manager_approval=not_approved_agree")),
    "f02a_pregnant_u16_not_competent_not_asked": ReviewWalk(
        "N2, F5", "pregnant girl under 16, not competent, not asked yet: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first()),
    "f02b_child_sexual_health_not_competent_parent_agrees": ReviewWalk(
        "N2", "child not competent, sexual health, parent agrees: share with consent, no under-13 question",
        WITH_CONSENT, subject_first(), (RECIPIENT,)),
    "f02c_child_not_competent_not_asked": ReviewWalk(
        "N2", "child not competent, not asked yet: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first()),
    "f02d_control_competent_under13": ReviewWalk(
        "N2, F1", "control: a competent child under 13; the plain 'no' was already refused in 1.1",
        "refused at manager_approval", subject_first(), ("manager_approval=not_approved_agree",)),
    "f04_s27_request_as_duty": ReviewWalk(
        "N3", "a Children Act 1989 s.27 request answered as a legal duty: consent not needed, no approval",
        NO_CONSENT_NEEDED, requester_first(), (RECIPIENT,)),
    "f04b_care_act_s7_as_duty": ReviewWalk(
        "N3", "a Care Act 2014 s.7 request answered as a legal duty",
        NO_CONSENT_NEEDED, requester_first(), (RECIPIENT,)),
    "f05_16_17_refuses_no_risk": ReviewWalk(
        "N7", "a 16/17-year-old refuses, no risk: adult lines shown",
        DO_NOT_SHARE, subject_first()),
    "f05b_16_17_lacks_capacity_attorney": ReviewWalk(
        "N7, N4", "a 16/17-year-old who lacks capacity: an attorney consents",
        WITH_CONSENT, subject_first(), ("lacks_capacity=yes_safe", RECIPIENT)),
    "f06a_flags_then_no_risk": ReviewWalk(
        "N6", "signs of exploitation, then no risk: Do not share, no review, the child never asked",
        DO_NOT_SHARE, subject_first()),
    "f06b_flags_then_lower_level_share": ReviewWalk(
        "N6", "signs of exploitation, then a lower-level need: shared without asking the child",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT)),
    "f07a_not_needed_then_lower_level": ReviewWalk(
        "N5", "consent 'not needed', then a lower-level need: shared without consent ever sought",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT)),
    "f07b_adult_at_risk_not_needed": ReviewWalk(
        "N5", "an adult at risk: consent 'not needed', capacity and wishes never asked",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "f08_competent_child_parent_agrees": ReviewWalk(
        "N4", "a parent asks about a competent 15-year-old's sexual health; 'They agreed' as the hint said",
        WITH_CONSENT, requester_first(), (RECIPIENT,)),
    "f08b_same_child_refuses": ReviewWalk(
        "N4", "the same child refuses",
        DO_NOT_SHARE, requester_first()),
    "f09_emergency_unverified_caller": ReviewWalk(
        "N11", "an 'urgent' caller who cannot be checked: still 'Share now'",
        "outcome_emergency_share", requester_first("yes")),
    "f09b_emergency_unverified_caller_resolved": ReviewWalk(
        "N11", "an 'urgent' caller checked only after sharing",
        "outcome_emergency_share", requester_first("yes"), (RECIPIENT,)),
    "f10_cs19_not_asked_yet": ReviewWalk(
        "N2, F20", "cs19's facts, the mother not yet asked: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first()),
    "f11_unborn_adult_mother": ReviewWalk(
        "N8", "an unborn baby of an adult mother: the para 18 'about a child' line",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "f14_fgm_third_party_report": ReviewWalk(
        "N14, F3", "FGM told by an aunt (a third party) claimed as the s.5B duty",
        NO_CONSENT_NEEDED, duty_basis_first(), (RECIPIENT,)),
    "f15_own_observations_not_confidential": ReviewWalk(
        "N15", "a teacher's own observations answered 'not confidential': shared, no approval",
        NO_CONSENT_NEEDED, subject_first("no"), ("confidential=no", RECIPIENT)),
    "old_F12_serious_subset": ReviewWalk(
        "F12", "serious harm, a subset: share without consent with the referral line (fixed in 1.1)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT)),
    "old_F1a_serious_manager_accepts": ReviewWalk(
        "F1", "after yes_serious the manager's plain 'no' (already refused in 1.1)",
        "refused at manager_approval", subject_first(), (HARM, "manager_approval=not_approved_agree")),
    "old_F1b_serious_manager_escalate": ReviewWalk(
        "F1", "the manager disagrees and the practitioner is still concerned: escalated",
        "outcome_seek_advice", subject_first(), (HARM, "manager_approval=not_approved_still_concerned")),
    "old_F22_pr_labels": ReviewWalk(
        "F22", "a parent it is not safe to ask: recorded as not sought because unsafe",
        "at harm_threshold", subject_first()),
    "old_F2_bruising_parent_agrees_nurse": ReviewWalk(
        "F2", "bruising, the parent agrees: share with consent, no harm question",
        WITH_CONSENT, subject_first(), (RECIPIENT,)),
    "old_F4_pressured_no_risk": ReviewWalk(
        "F4", "consent under pressure, no risk: Do not share, reviewed",
        DO_NOT_SHARE, subject_first()),
    "old_F5_pregnant_u16_competent": ReviewWalk(
        "F5", "a competent pregnant girl under 16 answered 'not sexual health' (already refused in 1.1)",
        "refused at fraser_check", subject_first()),
    "old_F5b_pregnant_u16_competent_yes": ReviewWalk(
        "F5", "a competent pregnant girl under 16 who was under 13",
        "at minimum_necessary", subject_first(), (MANAGER,)),
    "old_F7a_police_request_para2": ReviewWalk(
        "F7", "a police request under DPA 2018 Sch 2 para 2 is not a duty",
        "at minimum_necessary", requester_first(), (HARM, MANAGER)),
    "old_F7b_school_s47_not_named": ReviewWalk(
        "F7", "a school told of s.47 enquiries is not a named body: consent not needed to protect",
        SHARE_WITHOUT, requester_first(), (HARM, MANAGER, RECIPIENT)),
    "old_F9_unable_right_now": ReviewWalk(
        "F9", "'could not take it in right now' with capacity presumed goes to the MCA questions",
        "at mca_support", subject_first()),
}


# Helpers


@pytest.fixture(scope="module")
def v12():
    return load_flowchart(FLOWCHART)


@pytest.fixture(scope="module")
def v11():
    return load_flowchart(FLOWCHART_1_1)


def read_steps(path: Path) -> list[Step]:
    return [Step(node=item["node"], answer=item["answer"]) for item in json.loads(path.read_text(encoding="utf-8"))]


def why_refused(v11, v12, steps: list[Step], error: InvalidStep) -> str:
    step, before = error.step, steps[: error.index]
    if step.node not in v12.nodes:
        assert step.node in REMOVED_NODES
        return REMOVED_NODE
    if step.node != error.at:
        # 1.2 asks another question where 1.1 asked this one.
        assert replay(v11, before).at == step.node
        return MOVED_QUESTION if error.at in v11.nodes else NEW_QUESTION
    answer = v12.node(step.node).answer(step.answer)
    if answer is None:
        if (step.node, step.answer) in SPLITS:
            assert SPLITS[step.node, step.answer] <= {a.id for a in v12.node(step.node).answers}
            return SPLIT_ANSWER
        assert (step.node, step.answer) in REMOVED_ANSWERS
        return REMOVED_ANSWER
    assert not answer.is_offered(replay(v12, before).state)
    return NOT_OFFERED


def walk_command(path: Path) -> tuple[int, dict | None, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("flowchart", "walk", "--answers", str(path), "--json", stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, (json.loads(out.getvalue()) if code == 0 else None), err.getvalue()


# The review's 50 files


def test_every_file_of_the_review_has_an_expectation():
    assert REVIEW_DIR.is_dir(), f"the review's walks are missing: {REVIEW_DIR} (shared/spec beside the repository)"
    assert sorted(p.stem for p in REVIEW_DIR.glob("*.json")) == sorted(REVIEW_WALKS)
    assert len(REVIEW_WALKS) == 50


@pytest.mark.parametrize("name", sorted(REVIEW_WALKS))
def test_review_file_ends_on_1_1_0_where_the_review_says(v11, name):
    steps = read_steps(REVIEW_DIR / f"{name}.json")
    try:
        position = replay(v11, steps)
    except InvalidStep as error:
        result = f"refused at {error.at}"
    else:
        outcome = outcome_of(v11, position)
        result = outcome.id if outcome else f"at {position.at}"
    assert result == REVIEW_WALKS[name].on_1_1


@pytest.mark.parametrize("name", sorted(REVIEW_WALKS))
def test_review_file_is_refused_on_1_2_0_where_1_2_asks_a_new_or_moved_question(v11, v12, name):
    expected = REVIEW_WALKS[name].refused
    steps = read_steps(REVIEW_DIR / f"{name}.json")
    with pytest.raises(InvalidStep) as refusal:
        replay(v12, steps)
    error = refusal.value
    assert (error.index + 1, error.at, error.step.node, error.step.answer) == (
        expected.step, expected.at, expected.node, expected.answer)
    # The refused step is not among what 1.2.0 offers there, and the error lists exactly that.
    before = replay(v12, steps[: error.index])
    assert error.allowed == allowed_answers(v12, before)
    assert error.step.node != before.at
    assert why_refused(v11, v12, steps, error) == expected.why


@pytest.mark.parametrize("name", sorted(REVIEW_WALKS))
def test_review_file_steps_that_1_2_0_no_longer_has(v12, name):
    steps = read_steps(REVIEW_DIR / f"{name}.json")
    gone = [s for s in steps if s.node not in v12.nodes or v12.node(s.node).answer(s.answer) is None]
    assert tuple(f"{s.node}={s.answer}" for s in gone) == REVIEW_WALKS[name].gone
    for step in gone:
        if step.node in v12.nodes:
            assert SPLITS[step.node, step.answer] <= {a.id for a in v12.node(step.node).answers}
        else:
            assert step.node in REMOVED_NODES


@pytest.mark.parametrize(("name", "node"), [
    ("cs07_ted", "consent_from_whom"),
    ("f09_emergency_unverified_caller", "requester_verified"),
    ("f14_fgm_third_party_report", "duty_basis"),
])
def test_the_command_refuses_a_review_file_naming_the_question_and_its_answers(v12, name, node):
    code, _, err = walk_command(REVIEW_DIR / f"{name}.json")
    assert code == 2
    assert f"at {node!r}" in err and f"step {REVIEW_WALKS[name].refused.step}:" in err
    assert f"Allowed answers at {node!r}: {', '.join(a.id for a in v12.node(node).answers)}." in err
