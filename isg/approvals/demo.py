"""Demo decisions in every approval state, across both demo agencies (`manage.py load_demo`).

Made through the same services a person's clicks use, so each has its full history. Loaded once:
a database that already has demo decisions is left as it is.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from isg.accounts.models import User
from isg.decisions import services as walk
from isg.decisions.models import Decision
from isg.engine import replay
from isg.flowchart.services import flowchart_for

from . import services, submission
from .models import Approval

PREFIX = "DEMO-"
TO_SUBJECT = ("emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes")
TAIL_OTHER = ("recipient_check:yes_other", "secure_method:secure_email", "inform_person:will_inform")
TAIL_SOCIAL_CARE = ("recipient_check:yes_social_care", "secure_method:referral_portal_or_form",
                    "inform_person:will_inform")
ADULT_CONSENT = (*TO_SUBJECT, "consent_from_whom:adult_18_plus", "confidential:yes", "consent_safe_to_ask:no_safe",
                 "consent_practicable:yes", "adult_capacity_doubt:no")
CHILD = (*TO_SUBJECT, "consent_from_whom:child_under_16", "confidential:yes",
         "consent_safe_to_ask:not_needed_to_protect", "harm_threshold:yes_child_significant_harm",
         "minimum_necessary:all_relevant")
WALKS = {
    # Flowchart 1.2: a child at risk referred to children's social care is shared at once, reviewed after.
    "child_referral": ("want_to_share", (*CHILD, *TAIL_SOCIAL_CARE)),
    # The same risk, shared with a charity: waits for approval, and a "no" can only escalate.
    "serious_to_charity": ("want_to_share", (*CHILD, *TAIL_OTHER)),
    # The public interest outweighs an adult's refusal, with no serious harm: approved before sharing.
    "public_interest": ("want_to_share", (*ADULT_CONSENT, "consent_outcome:refused", "harm_threshold:lower_level_need",
                                          "public_interest_balance:share_full", "minimum_necessary:all_relevant",
                                          *TAIL_OTHER)),
    "emergency": ("want_to_share", ("emergency_check:yes", "consent_from_whom:child_under_16",
                                    "minimum_necessary:all_relevant", *TAIL_SOCIAL_CARE)),
    "seek_advice": ("want_to_share", (*TO_SUBJECT, "consent_from_whom:adult_18_plus", "confidential:not_sure",
                                      "seek_advice:unresolved")),
    "with_consent": ("want_to_share", (*ADULT_CONSENT, "consent_outcome:given", "consent_scope:yes",
                                       "minimum_necessary:all_relevant", *TAIL_OTHER)),
    "do_not_share": ("asked_to_share", ("requester_verified:yes", "emergency_check:no", "purpose:no")),
}
TEXT = {
    "summary": "Concern about a child aged 7 seen with unexplained bruising (demo)",
    "advisor_name": "Sam Lead", "advisor_role": "Designated safeguarding lead",
    "recipient_name": "Duty social worker", "recipient_role": "Social worker",
    "recipient_agency": "Children's social care",
    "review_owner": "Sam Lead, designated safeguarding lead",
    "child_age": "7", "young_person_age": "16", "verified_how": "Called back through the switchboard",
}


def load(users: dict[str, User]) -> list[Decision]:
    """Make the demo decisions unless there are some already; returns those made."""
    if Decision.objects.filter(case_reference__startswith=PREFIX).exists():
        return []
    practitioner, manager = users["practitioner"], users["manager"]
    practitioner2, manager2 = users["practitioner2"], users["manager2"]
    made = []
    with transaction.atomic():
        made.append(submitted(practitioner, "DEMO-101", "serious_to_charity"))  # waiting for `manager`

        returned = submitted(practitioner, "DEMO-102", "public_interest")
        services.return_for_information(
            returned, manager, "Has the mother's new partner been checked with the police?", returned.revision,
        )
        made.append(returned)

        overdue = submitted(practitioner, "DEMO-103", "emergency")  # shared; its review is overdue
        late = timezone.now() - datetime.timedelta(days=3)
        Decision.objects.filter(pk=overdue.pk).update(submitted_at=late)
        Approval.objects.filter(decision=overdue).update(requested_at=late, due_at=late + datetime.timedelta(hours=8))
        services.escalate_overdue(approval_ids=[overdue.approval.pk])
        made.append(overdue)

        made.append(submitted(practitioner, "DEMO-104", "seek_advice"))  # escalated, still open

        approved = submitted(practitioner, "DEMO-105", "public_interest")
        services.approve(approved, manager, "The public interest outweighs her refusal here.", approved.revision)
        made.append(approved)

        refused = submitted(practitioner, "DEMO-106", "public_interest")
        services.not_approve(
            refused, manager, "It does not reach the threshold: ask her again once she is out of hospital.",
            refused.revision,
        )
        made.append(refused)

        made.append(submitted(practitioner, "DEMO-107", "with_consent"))  # recorded, no approval needed
        made.append(submitted(practitioner, "DEMO-108", "child_referral"))  # shared, waiting for `manager`'s review

        agreed = submitted(practitioner, "DEMO-109", "child_referral")
        services.approve(agreed, manager, "Right to refer at once.", agreed.revision)
        made.append(agreed)

        went_up = submitted(practitioner, "DEMO-110", "serious_to_charity")
        services.decide(went_up, manager, "escalate", "I am not sure the charity needs the history.", went_up.revision)
        made.append(went_up)  # now with `director`

        made.append(submitted(practitioner2, "DEMO-201", "public_interest"))  # waiting for `manager2`
        approved2 = submitted(practitioner2, "DEMO-202", "public_interest")
        services.approve(approved2, manager2, "Agreed after our conversation this morning.", approved2.revision)
        made.append(approved2)
        made.append(submitted(practitioner2, "DEMO-203", "do_not_share"))
    return made


def submitted(owner: User, case_reference: str, walk_name: str) -> Decision:
    start, pairs = WALKS[walk_name]
    decision = walk.decision_start(owner=owner, case_reference=case_reference, step=_step("start", start))
    for index, pair in enumerate(pairs, start=1):
        node, answer = pair.split(":")
        decision.refresh_from_db()
        assert decision.current_node == node, (case_reference, decision.current_node, node)
        walk.decision_answer(decision=decision, actor=owner, index=index, step=_step(node, answer, decision),
                             revision=decision.revision)
    decision.refresh_from_db()
    flowchart = flowchart_for(decision.flowchart_id)
    record = {f.id: _value(f) for f in flowchart.terminal.fields
              if f.is_required(answer=None, state=decision.state, values={})}
    walk.decision_save_record(decision=decision, actor=owner, record=record, revision=decision.revision)
    return submission.decision_submit(decision=decision, actor=owner, revision=decision.revision)


def _step(node_id: str, answer: str, decision: Decision | None = None):
    flowchart = flowchart_for(decision.flowchart_id) if decision else None
    if flowchart is None:
        from isg.flowchart.services import register_current

        flowchart = register_current()
    node = flowchart.node(node_id)
    asked_in = replay(flowchart, decision.steps).state if decision else {}
    fields = {f.id: _value(f) for f in node.fields if f.is_shown_for(answer) and f.is_shown_in(asked_in)}
    return walk.stored_step(node=node_id, answer=answer, rationale="Recorded for the demonstration", fields=fields)


def _value(field: Any) -> str:
    if field.id in TEXT:
        return TEXT[field.id]
    if field.type == "date":
        return (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    if field.type == "choice" and field.choices:
        return field.choices[0].id
    if field.type == "confirm":
        return "yes"
    if field.type == "number":
        return str(field.minimum or 0)
    return "Recorded for the demonstration"
