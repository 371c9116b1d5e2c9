"""Named walks through the flowchart, one per outcome, shared by the engine, page and browser tests.

`WALKS` is for the shipped file (1.1.0); `WALKS_1_0_1` for the archived 1.0.1 file.
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
WALKS = {
    **WALKS_1_0_1,
    "outcome_share_anonymised": WALKS_1_0_1["outcome_share_anonymised"][:-1],
}
