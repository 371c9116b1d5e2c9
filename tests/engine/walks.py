"""Named walks through the flowchart, one per outcome, shared by the engine, page and browser tests.

`WALKS` is for the shipped file (1.2.0); `WALKS_1_1_0` and `WALKS_1_0_1` for the archived files.
`EXTRA_WALKS` are further 1.2.0 walks the approval tests need (share now and review after; a
serious-harm share that waits; a public-interest share), by name.
"""

from isg.engine import Step


def steps(*pairs: str) -> list[Step]:
    """`steps("start:want_to_share", "emergency_check:no")` → Step list; "*:urgent" presses urgent."""
    return [Step(*pair.split(":")) for pair in pairs]


TO_CONFIDENTIAL = ("start:want_to_share", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
                   "identifiable:yes")
TAIL = ("recipient_check:yes", "secure_method:secure_email", "inform_person:will_inform")

WALKS_1_0_1 = {
    "outcome_emergency_share": ("start:want_to_share", "emergency_check:yes", "minimum_necessary:all_relevant", *TAIL),
    "outcome_seek_advice": (*TO_CONFIDENTIAL, "confidential:not_sure", "seek_advice:unresolved"),
    "outcome_do_not_share": ("start:asked_to_share", "emergency_check:no", "purpose:no"),
    "outcome_share_anonymised": ("start:want_to_share", "emergency_check:no", "purpose:yes",
                                 "statutory_duty:no_or_power_only", "identifiable:no", "minimum_necessary:all_relevant", *TAIL),
    "outcome_share_no_consent_needed": ("start:asked_to_share", "emergency_check:no", "purpose:yes",
                                        "statutory_duty:yes_duty", "minimum_necessary:all_relevant", *TAIL),
    "outcome_share_with_consent": (*TO_CONFIDENTIAL, "confidential:yes", "consent_safe_to_ask:no_safe",
                                   "consent_practicable:yes", "consent_from_whom:adult_18_plus",
                                   "adult_capacity_doubt:no", "consent_outcome:given", "consent_scope:yes",
                                   "minimum_necessary:all_relevant", *TAIL),
    "outcome_share_limited": (*TO_CONFIDENTIAL, "confidential:yes", "consent_safe_to_ask:no_safe",
                              "consent_practicable:yes", "consent_from_whom:adult_18_plus", "adult_capacity_doubt:no",
                              "consent_outcome:refused", "harm_threshold:lower_level_need",
                              "public_interest_balance:share_limited", "manager_approval:approved",
                              "minimum_necessary:limited_subset", *TAIL),
    "outcome_share_without_consent": (*TO_CONFIDENTIAL, "confidential:yes", "consent_safe_to_ask:yes_unsafe",
                                      "harm_threshold:yes_serious", "manager_approval:approved",
                                      "minimum_necessary:all_relevant", *TAIL),
}

# 1.1.0 (flowchart.md 7.2): when nothing identifies anyone, secure_method ends the walk (no inform_person).
WALKS_1_1_0 = {
    **WALKS_1_0_1,
    "outcome_share_anonymised": WALKS_1_0_1["outcome_share_anonymised"][:-1],
}

# 1.2.0 (flowchart.md 8): who it is about comes straight after `identifiable`; requests check who is
# asking; recipients are named by route; serious harm names its ground; no manager question.
TO_SUBJECT = ("start:want_to_share", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
              "identifiable:yes", "consent_from_whom:adult_18_plus")
TAIL_OTHER = ("recipient_check:yes_other", "secure_method:secure_email", "inform_person:will_inform")
TAIL_SOCIAL_CARE = ("recipient_check:yes_social_care", "secure_method:referral_portal_or_form", "inform_person:will_inform")
TO_ADULT_CONSENT = (*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                    "adult_capacity_doubt:no")

WALKS = {
    # Emergencies are shared at once and reviewed after sharing.
    "outcome_emergency_share": ("start:want_to_share", "emergency_check:yes", "consent_from_whom:adult_18_plus",
                                "minimum_necessary:all_relevant", *TAIL_SOCIAL_CARE),
    "outcome_seek_advice": (*TO_SUBJECT, "confidential:not_sure", "seek_advice:unresolved"),
    "outcome_do_not_share": ("start:asked_to_share", "requester_verified:yes", "emergency_check:no", "purpose:no"),
    "outcome_share_anonymised": ("start:want_to_share", "emergency_check:no", "purpose:yes",
                                 "statutory_duty:no_or_power_only", "identifiable:no", "minimum_necessary:all_relevant",
                                 "recipient_check:yes_other", "secure_method:secure_email"),
    "outcome_share_no_consent_needed": ("start:asked_to_share", "requester_verified:yes", "emergency_check:no",
                                        "purpose:yes", "statutory_duty:yes_duty", "duty_basis:court_order",
                                        "consent_from_whom:adult_18_plus", "minimum_necessary:all_relevant", *TAIL_OTHER),
    "outcome_share_with_consent": (*TO_ADULT_CONSENT, "consent_outcome:given", "consent_scope:yes",
                                   "minimum_necessary:all_relevant", *TAIL_OTHER),
    # A public-interest share of part of the information: approved before sharing.
    "outcome_share_limited": (*TO_ADULT_CONSENT, "consent_outcome:refused", "harm_threshold:lower_level_need",
                              "public_interest_balance:share_limited", "minimum_necessary:limited_subset", *TAIL_OTHER),
    # Serious harm to others, shared with another organisation: approved before sharing.
    "outcome_share_without_consent": (*TO_SUBJECT, "confidential:yes", "consent_safe_to_ask:yes_unsafe",
                                      "harm_threshold:yes_others_serious_harm", "minimum_necessary:all_relevant",
                                      *TAIL_OTHER),
}

# A child under 16 meets the under-13 question where 1.2.0 asks it: the screen after `confidential` where
# consent is weighed (a child who cannot decide, or one who can about something other than sexual
# activity), `sexual_activity_flags` on the Fraser route, or `harm_threshold` when consent is not sought.
TO_CHILD = ("start:want_to_share", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
            "identifiable:yes", "consent_from_whom:child_under_16")
EXTRA_WALKS = {
    # A child at risk of significant harm referred to children's social care: shared now, reviewed after.
    "child_referral_after_sharing": (*TO_CHILD, "confidential:yes", "consent_safe_to_ask:not_needed_to_protect",
                                     "harm_threshold:yes_child_significant_harm", "minimum_necessary:all_relevant",
                                     *TAIL_SOCIAL_CARE),
    # The same serious harm to a child, but shared with a charity: it waits for approval.
    "child_serious_harm_to_charity": (*TO_CHILD, "confidential:yes", "consent_safe_to_ask:not_needed_to_protect",
                                      "harm_threshold:yes_child_significant_harm", "minimum_necessary:all_relevant",
                                      *TAIL_OTHER),
    # The public interest outweighs a refusal (no serious harm): approved before sharing, may be refused.
    "public_interest_share": (*TO_ADULT_CONSENT, "consent_outcome:refused", "harm_threshold:lower_level_need",
                              "public_interest_balance:share_full", "minimum_necessary:all_relevant", *TAIL_OTHER),
}
