"""Every path of the second legal review (legal-review-1.1.md: N1-N15, and F1-F22 re-checked), on 1.2.0.

The review's 50 answer files (shared/spec/legal-review-1.1-walks/, beside the repository) were written
for 1.1.0. `REVIEW_WALKS` says, for each file, where 1.1.0 takes it (as the review reported) and where
the shipped 1.2.0 refuses it: every one is refused at the first question that 1.2 asks in a new place
(`requester_verified` after `start: asked_to_share`, N11; `consent_from_whom` right after
`identifiable: yes`, 8.2; `duty_basis` after `statutory_duty: yes_duty`, N3), and most also name a
node or answer that 1.2.0 no longer has (`manager_approval`, 8.1; split answers).

A refusal proves little on its own, so `REWALKS` holds 1.2 answers files (legal_review_1_2/ beside
this module) that walk the same facts through 1.2.0. Each ends where flowchart.md 8.1-8.2 says, or is
refused where 8.2 removed or guarded an answer. The tests after the tables check the texts, the
approval modes and the approver's answers each finding is about.

Paths on which 1.2.0 still does what 8.2 or 8.3 says it must not are not asserted here: see
legal_review_1_2/pending/README.md.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

from isg.engine import (
    InvalidStep,
    Step,
    allowed_answers,
    is_complete,
    load_flowchart,
    outcome_of,
    replay,
)

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
FLOWCHART = REPO / "flowchart" / "information-sharing.yaml"
FLOWCHART_1_1 = REPO / "flowchart" / "archive" / "information-sharing-1.1.0.yaml"
REWALK_DIR = HERE.parent / "legal_review_1_2"


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

AFTER, BEFORE, NONE = "after_sharing", "before_sharing", "none"
SHARE_WITHOUT = "outcome_share_without_consent"
DO_NOT_SHARE = "outcome_do_not_share"
WITH_CONSENT = "outcome_share_with_consent"
NO_CONSENT_NEEDED = "outcome_share_no_consent_needed"
HARM_GROUNDS = ("child_significant_harm", "adult_at_risk", "under_13", "others_serious", "serious_crime")


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
    rewalk: str | None = None  # the 1.2 answers file in legal_review_1_2/ with the same facts


HARM = "harm_threshold=yes_serious"
MANAGER = "manager_approval=approved"
RECIPIENT = "recipient_check=yes"

REVIEW_WALKS: dict[str, ReviewWalk] = {
    "cs01_main": ReviewWalk(
        "F10, N10", "cs01, police about a 14-year-old: his parents never considered; 'already committed a crime'",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "n10_cs01_police_to_partner_agencies"),
    "cs02_main": ReviewWalk(
        "N1", "cs02 Cassie: best-interests share sets no harm level, so no referral prompt for her children",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT), "n01_cs02_cassie_children_emergency_housing"),
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
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT), "n01_ted_best_interests_adult_at_risk"),
    "cs09_main": ReviewWalk(
        "N12, F8", "cs09: the parents' own history decided on the child's route; para 18 'about a child' line",
        "outcome_share_limited", subject_first(), (MANAGER, RECIPIENT), "n12_cs09_parents_history_limited"),
    "cs10_main": ReviewWalk(
        "N9, F13", "cs10 not_informing: the reasons cite Sch 3 and Art 14(5)(b)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "n09_cs10_not_informing"),
    "cs11_main": ReviewWalk(
        "N12, F20", "cs11: Ruth's own information decided with her as the PR holder for Edward",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "n12_cs11_ruth_own_information"),
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
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "old_f16_cs21_request_history"),
    "f01_ted_manager_refuses": ReviewWalk(
        "N1", "Ted: the manager's 'No, and I accept' ends an adult-at-risk case in Do not share",
        DO_NOT_SHARE, subject_first(), ("manager_approval=not_approved_agree",), "n01_ted_best_interests_other_recipient"),
    "f01b_ted_as_walked": ReviewWalk(
        "N1", "Ted as walked: shared with no harm level and no referral line",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT), "n01_ted_best_interests_adult_at_risk"),
    "f01c_control_serious": ReviewWalk(
        "N1, F1", "control: after yes_serious the plain 'no' was already refused in 1.1",
        "refused at manager_approval", subject_first(), (HARM, "manager_approval=not_approved_agree"),
        "old_f1_serious_harm_other_recipient"),
    "f02a_pregnant_u16_not_competent_not_asked": ReviewWalk(
        "N2, F5", "pregnant girl under 16, not competent, not asked yet: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first(), (), "n02_pregnant_u16_not_competent_not_asked_yet"),
    "f02b_child_sexual_health_not_competent_parent_agrees": ReviewWalk(
        "N2", "child not competent, sexual health, parent agrees: share with consent, no under-13 question",
        WITH_CONSENT, subject_first(), (RECIPIENT,), "n02_child_not_competent_under_13"),
    "f02c_child_not_competent_not_asked": ReviewWalk(
        "N2", "child not competent, not asked yet: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first(), (), "n02_child_not_competent_not_asked_yet"),
    "f02d_control_competent_under13": ReviewWalk(
        "N2, F1", "control: a competent child under 13; the plain 'no' was already refused in 1.1",
        "refused at manager_approval", subject_first(), ("manager_approval=not_approved_agree",),
        "n02_competent_under_13_other_recipient"),
    "f04_s27_request_as_duty": ReviewWalk(
        "N3", "a Children Act 1989 s.27 request answered as a legal duty: consent not needed, no approval",
        NO_CONSENT_NEEDED, requester_first(), (RECIPIENT,), "n03_s27_request_as_duty"),
    "f04b_care_act_s7_as_duty": ReviewWalk(
        "N3", "a Care Act 2014 s.7 request answered as a legal duty",
        NO_CONSENT_NEEDED, requester_first(), (RECIPIENT,), "n03_care_act_s7_as_duty"),
    "f05_16_17_refuses_no_risk": ReviewWalk(
        "N7", "a 16/17-year-old refuses, no risk: adult lines shown",
        DO_NOT_SHARE, subject_first(), (), "n07_16_17_refuses_no_risk"),
    "f05b_16_17_lacks_capacity_attorney": ReviewWalk(
        "N7, N4", "a 16/17-year-old who lacks capacity: an attorney consents",
        WITH_CONSENT, subject_first(), ("lacks_capacity=yes_safe", RECIPIENT), "n07_16_17_lacks_capacity_attorney"),
    "f06a_flags_then_no_risk": ReviewWalk(
        "N6", "signs of exploitation, then no risk: Do not share, no review, the child never asked",
        DO_NOT_SHARE, subject_first(), (), "n06_flags_then_no_risk_child_asked"),
    "f06b_flags_then_lower_level_share": ReviewWalk(
        "N6", "signs of exploitation, then a lower-level need: shared without asking the child",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT), "n06_flags_then_lower_level_child_asked"),
    "f07a_not_needed_then_lower_level": ReviewWalk(
        "N5", "consent 'not needed', then a lower-level need: shared without consent ever sought",
        SHARE_WITHOUT, subject_first(), (MANAGER, RECIPIENT), "n05_not_needed_then_lower_level_asks"),
    "f07b_adult_at_risk_not_needed": ReviewWalk(
        "N5", "an adult at risk: consent 'not needed', capacity and wishes never asked",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "n05_adult_at_risk_asked_first"),
    "f08_competent_child_parent_agrees": ReviewWalk(
        "N4", "a parent asks about a competent 15-year-old's sexual health; 'They agreed' as the hint said",
        WITH_CONSENT, requester_first(), (RECIPIENT,), "n04_competent_child_agrees"),
    "f08b_same_child_refuses": ReviewWalk(
        "N4", "the same child refuses",
        DO_NOT_SHARE, requester_first(), (), "n04_competent_child_refuses"),
    "f09_emergency_unverified_caller": ReviewWalk(
        "N11", "an 'urgent' caller who cannot be checked: still 'Share now'",
        "outcome_emergency_share", requester_first("yes"), (), "n11_urgent_unverified_requester"),
    "f09b_emergency_unverified_caller_resolved": ReviewWalk(
        "N11", "an 'urgent' caller checked only after sharing",
        "outcome_emergency_share", requester_first("yes"), (RECIPIENT,), "n11_verified_requester_emergency"),
    "f10_cs19_not_asked_yet": ReviewWalk(
        "N2, F20", "cs19's facts, the mother not yet asked: Do not share, no under-13 question",
        DO_NOT_SHARE, subject_first(), (), "n02_child_not_competent_not_asked_yet"),
    "f11_unborn_adult_mother": ReviewWalk(
        "N8", "an unborn baby of an adult mother: the para 18 'about a child' line",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "n08_unborn_adult_mother"),
    "f14_fgm_third_party_report": ReviewWalk(
        "N14, F3", "FGM told by an aunt (a third party) claimed as the s.5B duty",
        NO_CONSENT_NEEDED, duty_basis_first(), (RECIPIENT,), "n14_fgm_third_party_referral"),
    "f15_own_observations_not_confidential": ReviewWalk(
        "N15", "a teacher's own observations answered 'not confidential': shared, no approval",
        NO_CONSENT_NEEDED, subject_first("no"), ("confidential=no", RECIPIENT), "n15_own_observations_confidential_no"),
    "old_F12_serious_subset": ReviewWalk(
        "F12", "serious harm, a subset: share without consent with the referral line (fixed in 1.1)",
        SHARE_WITHOUT, subject_first(), (HARM, MANAGER, RECIPIENT), "old_f12_serious_subset"),
    "old_F1a_serious_manager_accepts": ReviewWalk(
        "F1", "after yes_serious the manager's plain 'no' (already refused in 1.1)",
        "refused at manager_approval", subject_first(), (HARM, "manager_approval=not_approved_agree"),
        "old_f1_serious_harm_other_recipient"),
    "old_F1b_serious_manager_escalate": ReviewWalk(
        "F1", "the manager disagrees and the practitioner is still concerned: escalated",
        "outcome_seek_advice", subject_first(), (HARM, "manager_approval=not_approved_still_concerned"),
        "old_f1_serious_harm_other_recipient"),
    "old_F22_pr_labels": ReviewWalk(
        "F22", "a parent it is not safe to ask: recorded as not sought because unsafe",
        "at harm_threshold", subject_first(), (), "old_f22_parent_not_safe_to_ask"),
    "old_F2_bruising_parent_agrees_nurse": ReviewWalk(
        "F2", "bruising, the parent agrees: share with consent, no harm question",
        WITH_CONSENT, subject_first(), (RECIPIENT,), "old_f2_bruising_parent_agrees"),
    "old_F4_pressured_no_risk": ReviewWalk(
        "F4", "consent under pressure, no risk: Do not share, reviewed",
        DO_NOT_SHARE, subject_first(), (), "old_f4_pressured_no_risk"),
    "old_F5_pregnant_u16_competent": ReviewWalk(
        "F5", "a competent pregnant girl under 16 answered 'not sexual health' (already refused in 1.1)",
        "refused at fraser_check", subject_first(), (), "old_f5_pregnant_u16_competent_fraser_no"),
    "old_F5b_pregnant_u16_competent_yes": ReviewWalk(
        "F5", "a competent pregnant girl under 16 who was under 13",
        "at minimum_necessary", subject_first(), (MANAGER,), "old_f5b_pregnant_u16_competent_under_13"),
    "old_F7a_police_request_para2": ReviewWalk(
        "F7", "a police request under DPA 2018 Sch 2 para 2 is not a duty",
        "at minimum_necessary", requester_first(), (HARM, MANAGER), "old_f7a_police_request_serious_crime"),
    "old_F7b_school_s47_not_named": ReviewWalk(
        "F7", "a school told of s.47 enquiries is not a named body: consent not needed to protect",
        SHARE_WITHOUT, requester_first(), (HARM, MANAGER, RECIPIENT), "old_f7b_school_s47_not_named"),
    "old_F9_unable_right_now": ReviewWalk(
        "F9", "'could not take it in right now' with capacity presumed goes to the MCA questions",
        "at mca_support", subject_first(), (), "old_f9_unable_right_now"),
}


@dataclass(frozen=True)
class Rewalk:
    finding: str
    reason: str
    outcome: str | None = None  # the computed outcome; None for a walk that stops before `record`
    mode: str | None = None  # the final state's approval mode
    state: Mapping[str, object] = field(default_factory=dict)  # key state; None means unset
    at: str = "record"
    refused: Refused | None = None


def ends(finding: str, reason: str, outcome: str, mode: str, **state: object) -> Rewalk:
    return Rewalk(finding, reason, outcome, mode, state)


def stops(finding: str, reason: str, at: str, **state: object) -> Rewalk:
    return Rewalk(finding, reason, state=state, at=at)


def refused(finding: str, reason: str, step: int, node: str, answer: str, why: str) -> Rewalk:
    return Rewalk(finding, reason, refused=Refused(step, node, node, answer, why))


REWALKS: dict[str, Rewalk] = {
    "n01_ted_best_interests_adult_at_risk": ends(
        "N1", "Ted: best interests, then an adult at risk: the referral to adults' social care is shared now, reviewed after",
        SHARE_WITHOUT, AFTER, capacity="lacks_capacity", consent_status="unable", harm_level="serious",
        harm_ground="adult_at_risk", recipient_route="statutory"),
    "n01_ted_best_interests_other_recipient": ends(
        "N1", "Ted to a non-statutory recipient: approved before sharing, and the approver cannot answer 'not approved'",
        SHARE_WITHOUT, BEFORE, harm_level="serious", harm_ground="adult_at_risk", recipient_route="other"),
    "n01_cs02_cassie_children_emergency_housing": ends(
        "N1", "cs02 Cassie to emergency housing: her children at risk is a ground; housing waits for approval, a referral does not",
        SHARE_WITHOUT, BEFORE, harm_level="serious", harm_ground="child_significant_harm", recipient_route="other"),
    "n01_best_interests_no_abuse": ends(
        "N1", "control: best interests with no abuse suspected is approved before sharing and may be 'not approved'",
        SHARE_WITHOUT, BEFORE, capacity="lacks_capacity", harm_level=None, harm_ground=None),
    "n02_pregnant_u16_not_competent_not_asked_yet": refused(
        "N2", "f02a: a pregnant girl under 16 who cannot decide passes the screen before a parent is asked, and 'not asked yet' "
        "is not offered (unless mother_age: under_16)",
        14, "consent_outcome", "not_asked_yet", NOT_OFFERED),
    "n02_pregnant_u16_not_competent_parent_agrees": ends(
        "N2", "a pregnant girl under 16 who cannot decide, the parent agrees: the screen was asked, the DSL line shows",
        WITH_CONSENT, NONE, mother_age="under_16", capacity="not_competent", consenter="pr_holder"),
    "n02_pregnant_u16_under_13": ends(
        "N2", "a pregnant girl under 16 who may have been under 13, consent not needed: the harm question offers 'under 13'; "
        "serious, referred to the police now",
        SHARE_WITHOUT, AFTER, mother_age="under_16", harm_level="serious", harm_ground="under_13",
        consent_status="not_needed", sexual_flags=True, recipient_kind="police"),
    "n02_child_not_competent_under_13": ends(
        "N2", "f02b: a child who cannot decide, sexual activity under 13: the screen comes before any parent is asked",
        SHARE_WITHOUT, AFTER, subject_type="child_under_16", harm_ground="under_13", consent_status="not_needed",
        sexual_flags=True, consenter=None),
    "n02_child_not_competent_not_asked_yet": ends(
        "N2, N13", "f02c/f10: the screen answered, then 'not asked yet': Do not share, reviewed, kept as a child's record",
        DO_NOT_SHARE, NONE, subject_type="child_under_16", consenter="pr_holder", review_required=True),
    "n02_competent_under_13_other_recipient": ends(
        "N2, F1", "f02d: a competent child under 13 to a non-statutory recipient: only 'escalate' can say no",
        SHARE_WITHOUT, BEFORE, capacity="gillick_competent", harm_ground="under_13", recipient_route="other"),
    "n03_s27_request_as_duty": refused(
        "N3", "f04: a s.27 request is no longer an answer to 'which legal requirement'", 6, "duty_basis", "s27_request",
        REMOVED_ANSWER),
    "n03_care_act_s7_as_duty": refused(
        "N3", "f04b: a Care Act s.7 request is no longer an answer to 'which legal requirement'", 6, "duty_basis",
        "care_act_s7", REMOVED_ANSWER),
    "n03_s27_request_decided_by_consent": ends(
        "N3", "f04's facts answered 'None of these': the mother is asked, refuses, and the public interest decides",
        DO_NOT_SHARE, NONE, duty=None, duty_basis=None, consent_status="refused", public_interest="no",
        review_required=True),
    "n04_competent_child_agrees": ends(
        "N4", "f08: the competent child's own agreement, under the child-only consent hint",
        WITH_CONSENT, NONE, capacity="gillick_competent", consenter="self", consent_status="given"),
    "n04_competent_child_refuses": ends(
        "N4", "f08b: the competent child refuses, no risk: a real refusal, respected (no review needed, S6)",
        DO_NOT_SHARE, NONE, capacity="gillick_competent", consent_status="refused", review_required=None),
    "n05_not_needed_then_lower_level_asks": ends(
        "N5", "f07a: 'not needed', then a lower-level need goes back to ask; the parent agrees",
        WITH_CONSENT, NONE, consent_status="given", harm_level="wellbeing", consenter="pr_holder"),
    "n05_adult_at_risk_asked_first": ends(
        "N5", "f07b as 8.2's hint says: the adult at risk is asked first, refuses, and the referral is made",
        SHARE_WITHOUT, AFTER, capacity="presumed", consent_status="refused", harm_ground="adult_at_risk",
        recipient_route="statutory"),
    "n05_adult_not_needed_then_adult_at_risk_is_asked": stops(
        "N5", "'not needed: someone other than this adult', then 'this adult is an adult at risk': the adult is "
        "asked first (their capacity and wishes), and nothing is decided about the harm yet",
        "consent_practicable", consent_status="not_needed", harm_level=None, harm_ground=None),
    "n07_16_17_lacks_capacity_child_lines": ends(
        "N7", "a 16 or 17-year-old who lacks capacity, a child at risk, referred: the child's lines, none for adults",
        SHARE_WITHOUT, AFTER, subject_type="young_person_16_17", capacity="lacks_capacity",
        harm_ground="child_significant_harm"),
    "n07_mother_16_17_lacks_capacity_child_lines": ends(
        "N7", "a mother of 16 or 17 who lacks capacity, her baby at risk: the child's lines, none for adults",
        SHARE_WITHOUT, AFTER, subject_type="unborn", mother_age="16_17", capacity="lacks_capacity",
        harm_ground="child_significant_harm"),
    "n06_flags_then_no_risk_child_asked": ends(
        "N6", "f06a: signs of exploitation, harm not significant: the child is asked, refuses, and it is reviewed",
        DO_NOT_SHARE, NONE, sexual_flags=True, consent_status="refused", harm_level="none", review_required=True),
    "n06_flags_then_lower_level_child_asked": ends(
        "N6", "f06b: signs of exploitation, lower-level need: the child is asked first; sharing waits for approval",
        SHARE_WITHOUT, BEFORE, sexual_flags=True, consent_status="refused", public_interest="share_full"),
    "n06_flags_then_lower_level_child_refuses_not_shared": ends(
        "N6", "signs of exploitation short of significant harm: the child is asked, refuses, the public interest "
        "does not outweigh it: Do not share, reviewed",
        DO_NOT_SHARE, NONE, sexual_flags=True, consent_status="refused", harm_level="wellbeing", public_interest="no",
        review_required=True),
    "n07_16_17_refuses_no_risk": ends(
        "N7", "f05: a 16/17-year-old refuses, no risk: the young person's lines, none for adults",
        DO_NOT_SHARE, NONE, subject_type="young_person_16_17", consent_status="refused", review_required=None),
    "n07_16_17_lacks_capacity_attorney": refused(
        "N7, N4", "f05b: under 18 there is no attorney (only_when an adult subject)", 14, "lacks_capacity", "attorney",
        NOT_OFFERED),
    "n07_16_17_lacks_capacity_parent_agrees": ends(
        "N7", "a 16/17-year-old who lacks capacity: a person with parental responsibility agrees",
        WITH_CONSENT, NONE, subject_type="young_person_16_17", capacity="lacks_capacity", consenter="pr_holder"),
    "n08_court_order_lawful_basis": ends(
        "N8", "a court order: para 6 or Art 9(2)(f), never para 18; no one approves a duty",
        NO_CONSENT_NEEDED, NONE, duty=True, duty_basis="court_order", subject_type="adult"),
    "n08_unborn_adult_mother": ends(
        "N8", "f11: an adult mother's information, serious harm to others: the unborn line, not para 18 'about a child'",
        SHARE_WITHOUT, BEFORE, subject_type="unborn", mother_age="18_plus", harm_ground="others_serious",
        consent_status="refused"),
    "n09_cs10_not_informing": ends(
        "N9, F13", "cs10 Diane, coercive control (a serious crime) to the DV service, not told: the reasons' new labels",
        SHARE_WITHOUT, BEFORE, consent_status="not_sought_unsafe", harm_ground="serious_crime", informed="not_informing"),
    "n10_cs01_police_to_partner_agencies": ends(
        "N10, F10", "cs01: the boy is asked, refuses; risk to the public; police sharing has its Part 3 line",
        SHARE_WITHOUT, BEFORE, subject_type="child_under_16", consent_status="refused", harm_ground="others_serious",
        recipient_kind="multi_agency_meeting"),
    "n11_unverified_requester": ends(
        "N11", "a requester who cannot be checked gets nothing, reviewed",
        DO_NOT_SHARE, NONE, requester_verified="no", review_required=True),
    "n11_urgent_unverified_requester": ends(
        "N11", "f09: even urgent, an unchecked requester gets nothing; pass it yourself to 999 or social care",
        DO_NOT_SHARE, NONE, emergency=True, requester_verified="no", review_required=True),
    "n11_verified_requester_emergency": ends(
        "N11", "f09b: the caller is checked before anything is shared, then the emergency share",
        "outcome_emergency_share", AFTER, requester_verified="yes", emergency=True, recipient_kind="police"),
    "n12_cs11_ruth_own_information": ends(
        "N12, F20", "cs11 Ruth's own information on the adult route: she refuses; the ground is Edward's risk",
        SHARE_WITHOUT, AFTER, subject_type="adult", capacity="presumed", consenter="self", consent_status="refused",
        harm_ground="child_significant_harm"),
    "n12_cs09_parents_history_limited": ends(
        "N12, F8", "cs09 the parents' history as their own decision: partly agreed, a limited part",
        "outcome_share_limited", BEFORE, subject_type="adult", consent_status="partly_given", limited=True),
    "n14_fgm_disclosed_report_to_police": ends(
        "N14", "FGM she disclosed: the s.5B report to the police, no consent or approval",
        NO_CONSENT_NEEDED, NONE, duty=True, duty_basis="fgm_report", recipient_kind="police"),
    "n14_fgm_report_to_social_care": refused(
        "N14", "the s.5B report goes to the police: social care is not offered as its recipient", 8, "recipient_check",
        "yes_social_care", NOT_OFFERED),
    "n14_fgm_third_party_referral": ends(
        "N14, F3", "f14: told by an aunt is not the duty: 'None of these', then a safeguarding referral",
        SHARE_WITHOUT, AFTER, duty=None, duty_basis=None, harm_ground="child_significant_harm",
        recipient_route="statutory"),
    "n15_own_observations_confidential_no": refused(
        "N15", "f15: the plain 'No' is split into 'already public' and 'trivial'", 7, "confidential", "no", SPLIT_ANSWER),
    "n15_own_observations_trivial": ends(
        "N15", "f15 answered 'trivial': not confidential, still screened for a child under 16, and approved before sharing",
        NO_CONSENT_NEEDED, BEFORE, confidential="no", not_confidential_reason="trivial", duty=None),
    "old_f1_serious_harm_other_recipient": ends(
        "F1", "f01c/old F1a-b: serious harm to another recipient: approve, return or escalate, never a plain 'no'",
        SHARE_WITHOUT, BEFORE, harm_level="serious", harm_ground="others_serious", recipient_route="other"),
    "old_f2_bruising_parent_agrees": ends(
        "F2", "bruising, the parent agrees: share with consent (the consent route still asks no harm question)",
        WITH_CONSENT, NONE, consenter="pr_holder", consent_status="given"),
    "old_f4_pressured_no_risk": ends(
        "F4", "consent under pressure, no risk: Do not share, reviewed",
        DO_NOT_SHARE, NONE, consent_status="pressured", review_required=True),
    "old_f5_pregnant_u16_competent_fraser_no": refused(
        "F5", "a competent pregnant girl under 16 cannot answer 'not sexual health'", 12, "fraser_check", "no",
        NOT_OFFERED),
    "old_f5b_pregnant_u16_competent_under_13": ends(
        "F5", "a competent pregnant girl under 16 who was under 13: serious, to the police now",
        SHARE_WITHOUT, AFTER, capacity="gillick_competent", harm_ground="under_13", recipient_kind="police"),
    "old_f7a_police_request_serious_crime": ends(
        "F7", "a police request (Sch 2 para 2, not a duty): serious crime; approved before sharing, even to the police",
        SHARE_WITHOUT, BEFORE, duty=None, harm_ground="serious_crime", recipient_kind="police"),
    "old_f7b_school_s47_not_named": ends(
        "F7", "a school told of s.47 enquiries: not a duty, consent not needed, shared now",
        SHARE_WITHOUT, AFTER, duty=None, consent_status="not_needed", harm_ground="child_significant_harm"),
    "old_f9_unable_right_now": stops(
        "F9", "'could not take it in right now' with capacity presumed goes to the MCA questions",
        "mca_support", capacity="presumed", consent_status=None),
    "old_f12_serious_subset": ends(
        "F12", "serious harm, a subset: share without consent (not 'a limited part'), with the referral line",
        SHARE_WITHOUT, AFTER, limited=True, public_interest=None, harm_ground="child_significant_harm"),
    "old_f16_cs21_request_history": ends(
        "F16, F19", "cs21: requesting the history before birth, without consent; the approver reviews it",
        SHARE_WITHOUT, AFTER, direction="want_to_request", subject_type="unborn", harm_ground="child_significant_harm"),
    "old_f22_parent_not_safe_to_ask": stops(
        "F22", "a parent it is not safe to ask: recorded as not sought because unsafe",
        "harm_threshold", consent_status="not_sought_unsafe", capacity="not_competent"),
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


def rewalk_steps(name: str) -> list[Step]:
    return read_steps(REWALK_DIR / f"{name}.json")


def finished(flowchart, name: str):
    """The 1.2.0 walk of a rewalk that reaches `record`: its position, outcome and every text it shows."""
    position = replay(flowchart, rewalk_steps(name))
    outcome = outcome_of(flowchart, position)
    assert outcome is not None, f"{name} does not reach record"
    return position, outcome, outcome.shown_items(position.state, flowchart)


def position_before(flowchart, name: str, node: str):
    """Where the rewalk stands when it is first asked `node` (the state that question is asked in)."""
    steps = rewalk_steps(name)
    index = next(i for i, step in enumerate(steps) if step.node == node)
    position = replay(flowchart, steps[:index])
    assert position.at == node
    return position


def tags_of(items) -> set[str]:
    return {tag for item in items for tag in item.tags}


def texts_of(items) -> str:
    return "\n".join(item.text for item in items)


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


def test_every_named_rewalk_exists():
    named = {walk.rewalk for walk in REVIEW_WALKS.values() if walk.rewalk}
    assert named <= set(REWALKS)


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


# The 1.2 answers files


def test_every_rewalk_file_has_an_expectation():
    assert sorted(p.stem for p in REWALK_DIR.glob("*.json")) == sorted(REWALKS)


@pytest.mark.parametrize("name", sorted(REWALKS))
def test_rewalk_on_1_2_0(v11, v12, name):
    expected = REWALKS[name]
    steps = rewalk_steps(name)
    if expected.refused:
        with pytest.raises(InvalidStep) as refusal:
            replay(v12, steps)
        error = refusal.value
        assert (error.index + 1, error.at, error.step.node, error.step.answer) == (
            expected.refused.step, expected.refused.at, expected.refused.node, expected.refused.answer)
        assert error.step.answer not in error.allowed
        assert why_refused(v11, v12, steps, error) == expected.refused.why
        # Everything before the refused step is a valid 1.2 walk.
        assert replay(v12, steps[: error.index]).at == expected.refused.at
        return
    position = replay(v12, steps)
    assert position.at == expected.at
    outcome = outcome_of(v12, position)
    assert (outcome.id if outcome else None) == expected.outcome
    assert (outcome.approval_mode_for(position.state) if outcome else None) == expected.mode
    assert {key: position.state.get(key) for key in expected.state} == dict(expected.state)


@pytest.mark.parametrize("name", sorted(n for n, w in REWALKS.items() if w.mode in (BEFORE, AFTER)))
def test_no_approver_answer_says_not_approved_where_harm_is_serious(v12, name):
    """8.1: where the harm is serious, an emergency, or a ground is recorded, the only 'no' is to escalate
    (before sharing) or to disagree (after sharing, which never withdraws a referral)."""
    position, outcome, _ = finished(v12, name)
    state = position.state
    serious = state.get("harm_level") == "serious" or state.get("harm_ground") in HARM_GROUNDS or state.get("emergency")
    mode = outcome.approval_mode_for(state)
    results = {a.result for a in v12.approver_answers_for(mode, state)}
    before = {a.result for a in v12.approver_answers_for(BEFORE, state)}  # the approver's offer reads the state only
    if serious:
        assert "not_approved" not in results | before
        assert "escalated" in before
    else:
        assert "not_approved" in before and "escalated" not in before


@pytest.mark.parametrize("name", [
    "n01_ted_best_interests_adult_at_risk",
    "n11_urgent_unverified_requester",
    "n14_fgm_disclosed_report_to_police",
    "old_f9_unable_right_now",
])
def test_the_command_walks_a_rewalk_as_the_engine_does(v12, name):
    code, result, _ = walk_command(REWALK_DIR / f"{name}.json")
    assert code == 0
    position = replay(v12, rewalk_steps(name))
    outcome = outcome_of(v12, position)
    assert result["at"] == position.at and result["complete"] == is_complete(v12, position)
    assert result["outcome"] == (outcome.id if outcome else None) == REWALKS[name].outcome
    assert result["approval_mode"] == REWALKS[name].mode
    assert result["requires_approval"] == (REWALKS[name].mode in (BEFORE, AFTER))
    assert result["state"] == dict(position.state)


@pytest.mark.parametrize("name", ["n03_s27_request_as_duty", "n15_own_observations_confidential_no"])
def test_the_command_refuses_a_removed_or_split_answer(v12, name):
    expected = REWALKS[name].refused
    code, _, err = walk_command(REWALK_DIR / f"{name}.json")
    assert code == 2
    assert f"{expected.answer!r} is not an answer {expected.at!r} accepts here" in err
    assert expected.answer not in err.rsplit(":", 1)[-1].replace(",", " ").split()


# What each finding is about, on the 1.2 walks


def test_n01_ted_the_referral_is_shown_and_shared_now(v12):
    position, outcome, items = finished(v12, "n01_ted_best_interests_adult_at_risk")
    assert any(s.node == "best_interests_harm" for s in position.steps)
    assert "referral" in tags_of(items)
    assert "refer to adults' social care (Care Act 2014 s.42)" in texts_of(items)
    assert {a.result for a in v12.approver_answers_for(AFTER, position.state)} == {"agreed", "returned", "disagreed"}


def test_n01_a_plain_no_is_left_only_where_no_one_is_at_risk(v12):
    for name in ("n01_ted_best_interests_other_recipient", "n01_cs02_cassie_children_emergency_housing"):
        position, _, items = finished(v12, name)
        assert [a.id for a in v12.approver_answers_for(BEFORE, position.state)] == ["approve", "return", "escalate"]
        assert "referral" in tags_of(items)
    _, _, items = finished(v12, "n01_cs02_cassie_children_emergency_housing")
    assert "a referral to social care or the police does not" in texts_of(items)
    position, _, _ = finished(v12, "n01_best_interests_no_abuse")
    assert [a.id for a in v12.approver_answers_for(BEFORE, position.state)] == ["approve", "return", "not_approve"]


def test_n02_every_child_under_16_meets_the_under_13_question_and_one_who_cannot_decide_the_screen(v12):
    """N2 as 1.2.0 places the screen: a child under 16 (or a pregnant girl under 16) who cannot decide meets
    `sexual_activity_screen` before any parent is asked; every walk about one meets a question offering the
    under-13 answer (the screen, `sexual_activity_flags` or `harm_threshold`, S5); the screen comes after
    `confidential`."""
    under_13 = {"sexual_activity_screen": "yes_under_13", "sexual_activity_flags": "under_13", "harm_threshold": "under_13"}
    not_competent = 0
    for name, expected in REWALKS.items():
        steps = rewalk_steps(name)
        if expected.refused:
            steps = steps[: expected.refused.step - 1]
        nodes = [s.node for s in steps]
        answers = {s.node: s.answer for s in steps}
        child = answers.get("consent_from_whom") == "child_under_16" or answers.get("mother_age") == "under_16"
        duty = answers.get("duty_basis", "none_of_these") != "none_of_these"
        if not child or duty:  # S5: a legal duty (or an emergency) goes straight to what is shared
            continue
        if answers.get("child_competence") == "not_competent":
            not_competent += 1
            assert nodes[nodes.index("child_competence") + 1] == "sexual_activity_screen", name
            if "parental_responsibility" in nodes:
                assert nodes.index("sexual_activity_screen") < nodes.index("parental_responsibility"), name
        if "sexual_activity_screen" in nodes:
            assert nodes.index("confidential") < nodes.index("sexual_activity_screen"), name
        if expected.at == "record" and not expected.refused:
            offered = [s.node for i, s in enumerate(steps)
                       if s.node in under_13 and under_13[s.node] in allowed_answers(v12, replay(v12, steps[:i]))]
            assert offered, name
    assert not_competent >= 5


def test_n02_not_asked_yet_is_offered_for_a_child_but_not_for_a_pregnant_girl_under_16(v12):
    girl = position_before(v12, "n02_pregnant_u16_not_competent_parent_agrees", "consent_outcome")
    child = position_before(v12, "n02_child_not_competent_not_asked_yet", "consent_outcome")
    assert "not_asked_yet" not in allowed_answers(v12, girl)
    assert "not_asked_yet" in allowed_answers(v12, child)


def test_n02_the_pregnancy_under_16_line_shows_on_share_with_consent(v12):
    _, _, items = finished(v12, "n02_pregnant_u16_not_competent_parent_agrees")
    assert "pregnancy_under_16" in tags_of(items)
    _, _, items = finished(v12, "n02_child_not_competent_not_asked_yet")
    assert "pregnancy_under_16" not in tags_of(items)


def test_n03_s27_and_care_act_s7_are_not_duties(v11, v12):
    duty_basis = {a.id for a in v12.node("duty_basis").answers}
    assert duty_basis == {"court_order", "s47_request", "s16h_requirement", "care_act_s45", "fgm_report", "other_law",
                          "none_of_these", "not_sure"}
    old_choices = {c.id for f in v11.node("statutory_duty").fields if f.id == "duty_basis" for c in f.choices}
    assert {"s27_request", "care_act_s7"} <= old_choices
    more = v12.node("statutory_duty").more
    assert "s.27" in more and "s.7" in more and "answer 'No'" in more
    position, _, _ = finished(v12, "n03_s27_request_decided_by_consent")
    assert any(s.node == "consent_outcome" for s in position.steps)


def test_n04_a_competent_childs_consent_question_says_only_the_child_counts(v11, v12):
    for name in ("n04_competent_child_agrees", "n04_competent_child_refuses", "n06_flags_then_no_risk_child_asked"):
        position = position_before(v12, name, "consent_outcome")
        node = v12.node("consent_outcome")
        assert "child_only_consent" in tags_of(node.shown_items(position.state))
        assert node.hint_for(position.state).startswith("Only the child's agreement counts")
        assert "parental responsibility" not in node.hint_for(position.state)
    assert "any one person with parental responsibility" in v11.node("consent_outcome").hint
    assert {"attorney", "deputy"} <= {a.id for a in v12.node("lacks_capacity").answers}


def test_n05_not_needed_then_a_lower_level_need_goes_back_to_ask(v12):
    nodes = [s.node for s in rewalk_steps("n05_not_needed_then_lower_level_asks")]
    assert nodes[nodes.index("harm_threshold") + 1] == "consent_practicable"
    answers = {a.id: a for a in v12.node("consent_safe_to_ask").answers}
    assert "someone other than this adult" in answers["not_needed_to_protect"].label
    assert answers["no_safe"].label == "No, it is safe to ask (or tell) them first"
    assert "For an adult at risk" in v12.node("consent_safe_to_ask").hint


def test_n06_after_signs_of_exploitation_the_child_is_asked_and_a_no_is_reviewed(v12):
    names = ("n06_flags_then_no_risk_child_asked", "n06_flags_then_lower_level_child_asked",
             "n06_flags_then_lower_level_child_refuses_not_shared")
    for name in names:
        steps = rewalk_steps(name)
        nodes = [s.node for s in steps]
        # the restored route: a competent child, about sexual activity, no screen before the signs
        assert "sexual_activity_screen" not in nodes, name
        assert [(s.node, s.answer) for s in steps if s.node in ("child_competence", "fraser_check", "sexual_activity_flags")] == [
            ("child_competence", "competent"), ("fraser_check", "yes"), ("sexual_activity_flags", "yes_flags")], name
        assert nodes[nodes.index("sexual_activity_flags") + 2] == "consent_outcome", name
    for name in ("n06_flags_then_no_risk_child_asked", "n06_flags_then_lower_level_child_refuses_not_shared"):
        position, outcome, items = finished(v12, name)
        assert outcome.id == DO_NOT_SHARE and position.state["review_required"] is True, name
        assert "Signs of abuse or exploitation were recorded" in texts_of(items), name


def test_n07_a_16_or_17_year_old_is_a_child(v12):
    position, _, items = finished(v12, "n07_16_17_refuses_no_risk")
    assert "adult_only" not in tags_of(items)
    assert "Respect the refusal of a young person" in texts_of(items)
    assert "Respect the refusal of an adult" not in texts_of(items)
    harm = position_before(v12, "n07_16_17_refuses_no_risk", "harm_threshold")
    assert "including a 16 or 17-year-old" in v12.node("harm_threshold").hint_for(harm.state)
    assert "adult_only" not in tags_of(v12.node("harm_threshold").shown_items(harm.state))
    assert {"yes_adult_at_risk", "under_13"}.isdisjoint(allowed_answers(v12, harm))
    lacks = position_before(v12, "n07_16_17_lacks_capacity_attorney", "lacks_capacity")
    assert v12.node("lacks_capacity").hint_for(lacks.state).startswith("Under 18 there can be no attorney")
    assert allowed_answers(v12, lacks) == ("deputy", "parent", "no_or_unsafe", "not_sure")


def test_n08_a_legal_duty_cites_paragraph_6_or_article_9_2_f_never_paragraph_18(v12):
    position, outcome, items = finished(v12, "n08_court_order_lawful_basis")
    lawful = outcome.text_for(position.state, v12).lawful_basis
    assert {"duty_condition", "appropriate_policy_document"} <= tags_of(items)
    assert any("paragraph 6" in line and "9(2)(f)" in line for line in lawful)
    assert not any("paragraph 18" in line for line in lawful)


def test_n08_an_adult_mothers_information_is_hers(v12):
    position, outcome, items = finished(v12, "n08_unborn_adult_mother")
    lawful = outcome.text_for(position.state, v12).lawful_basis
    assert "para18_child" not in tags_of(items)
    assert any(line.startswith("An unborn baby: the information is the mother's") for line in lawful)
    assert any("Schedule 1 Part 1, 2 or 3" in line for line in lawful)
    assert any("Article 21" in line for line in lawful)
    assert "appropriate_policy_document" in tags_of(items)


def test_n08_information_that_is_not_confidential_still_needs_an_article_9_condition(v12):
    position, outcome, _ = finished(v12, "n15_own_observations_trivial")
    assert any("Article 9(2)(e)" in line for line in outcome.text_for(position.state, v12).lawful_basis)


def test_n09_the_reasons_for_not_telling_cite_what_applies(v11, v12):
    def labels(flowchart):
        reasons = next(f for f in flowchart.node("inform_person").fields if f.id == "not_informing_reason")
        return {c.id: c.label for c in reasons.choices}

    old, new = labels(v11), labels(v12)
    assert "Schedule 3" in old["increases_risk"] and "14(5)(b)" in old["cannot_contact"]
    assert "golden rule 2" in new["increases_risk"] and "5(1)(a)" in new["increases_risk"]
    assert "record the attempts" in new["cannot_contact"]
    assert not any("Schedule 3" in label or "14(5)" in label for label in new.values())
    assert "Schedule 2 paragraph 2" in new["prejudices_investigation"]
    position, _, _ = finished(v12, "n09_cs10_not_informing")
    assert position.state["informed"] == "not_informing"


def test_n10_police_sharing_has_its_part_3_line(v12):
    for name in ("n10_cs01_police_to_partner_agencies", "old_f7a_police_request_serious_crime"):
        _, _, items = finished(v12, name)
        assert "police_part3" in tags_of(items), name


def test_n11_an_unchecked_requester_gets_nothing_and_the_practitioner_passes_it_on(v12):
    for name in ("n11_unverified_requester", "n11_urgent_unverified_requester"):
        position, outcome, items = finished(v12, name)
        assert not outcome.shares
        assert "pass_it_yourself" in tags_of(items)
        assert outcome.text_for(position.state, v12).title == "Do not share: you could not check who is asking"
    nodes = [s.node for s in rewalk_steps("n11_verified_requester_emergency")]
    assert nodes.index("requester_verified") < nodes.index("minimum_necessary")


def test_n12_a_parents_own_information_is_their_decision(v12):
    _, _, items = finished(v12, "n12_cs11_ruth_own_information")
    assert "para18_child" in tags_of(items)  # it protects Edward, whoever the data are about
    _, _, items = finished(v12, "n12_cs09_parents_history_limited")
    assert "para18_child" not in tags_of(items)


@pytest.mark.parametrize("name", sorted(n for n, w in REWALKS.items() if w.outcome))
def test_n13_a_childs_record_is_kept_until_25_whatever_the_decision(v12, name):
    position, _, _ = finished(v12, name)
    state = position.state
    kept = v12.retention_class_for(state)
    # Only a decision known to be about an adult keeps the adult period; a child's, an unborn baby's
    # or one that never learnt who it was about keeps the longer one.
    child = state.get("subject_type") != "adult"
    assert kept.id == ("child" if child else "adult")
    if child:
        assert kept.until_age == 25 and kept.years >= 7
    # The same subject's record is kept as long whether it was shared or not.
    shared = {**state, "decision": "share"}
    not_shared = {**state, "decision": "do_not_share", "review_required": True}
    assert v12.retention_class_for(not_shared).at_least(v12.retention_class_for(shared))


def test_n14_the_fgm_duty_needs_the_discovery_confirmed_and_goes_to_the_police(v12):
    field_ = next(f for f in v12.node("duty_basis").fields if f.id == "fgm_discovered")
    assert field_.type == "confirm"
    assert field_.is_required(answer="fgm_report", state={})
    assert not field_.is_required(answer="court_order", state={})
    assert "told me herself" in field_.label and "physical signs" in field_.label and "under 18" in field_.label
    position, outcome, items = finished(v12, "n14_fgm_disclosed_report_to_police")
    assert outcome.text_for(position.state, v12).title == "Report it to the police: the FGM duty"
    assert {"fgm_report", "referral"} <= tags_of(items)
    recipient = position_before(v12, "n14_fgm_disclosed_report_to_police", "recipient_check")
    assert allowed_answers(v12, recipient) == ("yes_police", "no", "not_sure")


def test_n15_own_observations_are_private_and_a_not_confidential_share_is_approved_first(v12):
    node = v12.node("confidential")
    assert {"no_public", "no_trivial"} <= {a.id for a in node.answers} and node.answer("no") is None
    assert "usually confidential: answer 'Yes' or 'Partly'" in node.hint
    position, outcome, _ = finished(v12, "n15_own_observations_trivial")
    assert outcome.approval_mode_for(position.state) == BEFORE
    assert "once your approver agrees" in outcome.text_for(position.state, v12).summary


def test_old_f12_a_serious_subset_keeps_the_referral_line(v12):
    _, outcome, items = finished(v12, "old_f12_serious_subset")
    assert outcome.id == SHARE_WITHOUT and "referral" in tags_of(items)


def test_old_f16_a_request_is_worded_as_a_request(v12):
    position, outcome, _ = finished(v12, "old_f16_cs21_request_history")
    text = outcome.text_for(position.state, v12)
    assert text.title == "Request without consent"
    assert "The organisation that holds it makes its own decision" in text.summary


def test_s9_a_young_person_who_lacks_capacity_sees_no_adult_lines(v12):
    for name in ("n07_16_17_lacks_capacity_child_lines", "n07_mother_16_17_lacks_capacity_child_lines"):
        _, _, items = finished(v12, name)
        assert "adult_only" not in tags_of(items), name
        text = texts_of(items)
        assert "adults' social care (Care Act 2014 s.42)" not in text and "about an adult who lacks capacity" not in text
        assert "is still a child" in text
