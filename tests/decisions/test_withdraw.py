"""Withdrawing a decision submitted in error (issue 14): only its owner, only before anything was
shared, once, with a reason; the approver's queue is cleared, the history keeps the reason, and the
partnership's figures and register leave it out unless asked for withdrawn decisions."""

from __future__ import annotations

import pytest
from django.core import mail
from django.http import QueryDict

from isg.accounts.models import User
from isg.approvals import services as approvals
from isg.approvals import withdrawal
from isg.audit.models import AuditEvent
from isg.dashboard import services as dashboard
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import StaleDecision
from isg.flowchart.services import current_flowchart
from isg.register import services as register
from isg.register.filters import RegisterFilterForm
from tests.approvals.conftest import client_for, decide, make_people, submitted
from tests.factories import make_user

pytestmark = pytest.mark.django_db

REASON = "Submitted against the wrong case reference"
Status = Decision.Status


@pytest.fixture
def people(db, clock):
    return make_people()


@pytest.fixture
def awaiting(people):
    return submitted(people.practitioner)


def withdraw(decision: Decision, actor: User, reason: str = REASON) -> Decision:
    decision.refresh_from_db()
    return withdrawal.withdraw(decision, actor, reason, decision.revision)


def wanted(query: str = ""):
    form = RegisterFilterForm(QueryDict(query), flowchart=current_flowchart())
    assert form.is_valid(), form.errors
    return form.register_filter()


# -- the service --------------------------------------------------------------------------------


def test_the_owner_withdraws_a_decision_waiting_for_approval_and_the_approvers_queue_is_cleared(people, awaiting):
    assert [a.decision for a in approvals.queue_for(people.manager)] == [awaiting]
    mail.outbox.clear()

    withdraw(awaiting, people.practitioner)

    awaiting.refresh_from_db()
    assert awaiting.status == Status.WITHDRAWN
    assert approvals.queue_for(people.manager) == []
    assert approvals.waiting_count(people.manager) == 0
    assert awaiting.approval.decided_at is not None and awaiting.approval.decided_by is None
    [event] = awaiting.events.filter(kind=DecisionEvent.Kind.WITHDRAWN)
    assert event.actor == people.practitioner and event.payload["reason"] == REASON
    assert event.payload["from_status"] == Status.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(action="withdrawn", subject_id=str(awaiting.public_id)).count() == 1
    [message] = mail.outbox
    assert message.to == ["manager@example.org"]
    assert message.subject == "A decision sent to you has been withdrawn"
    assert awaiting.case_reference not in message.body and REASON not in message.body


def test_a_withdrawn_decision_is_never_escalated_when_its_deadline_passes(people, awaiting, clock):
    withdraw(awaiting, people.practitioner)
    clock.advance(days=3)
    assert approvals.escalate_overdue() == 0
    assert approvals.queue_for(people.boss) == []


def test_only_the_owner_may_withdraw(people, awaiting):
    for someone in (people.manager, people.peer, people.outsider_practitioner,
                    make_user(role=User.Role.PARTNERSHIP, agency=None)):
        with pytest.raises(approvals.NotAllowed):
            withdraw(awaiting, someone)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL
    assert not awaiting.events.filter(kind=DecisionEvent.Kind.WITHDRAWN).exists()


@pytest.mark.parametrize("reason", ["", "   ", "Wrong case\x07", "Wrong \u202ecase"])
def test_a_reason_is_required_in_plain_words(people, awaiting, reason):
    with pytest.raises(approvals.ReasonRequired):
        withdraw(awaiting, people.practitioner, reason)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_withdrawing_twice_withdraws_once(people, awaiting):
    awaiting.refresh_from_db()
    seen = awaiting.revision
    withdrawal.withdraw(awaiting, people.practitioner, REASON, seen)
    again = Decision.objects.get(pk=awaiting.pk)
    with pytest.raises((StaleDecision, withdrawal.CannotWithdraw)):
        withdrawal.withdraw(again, people.practitioner, REASON, seen)
    with pytest.raises(withdrawal.CannotWithdraw, match="already been withdrawn"):
        withdraw(again, people.practitioner)
    assert awaiting.events.filter(kind=DecisionEvent.Kind.WITHDRAWN).count() == 1


def test_an_approver_acting_first_wins_and_the_owner_is_told_it_changed(people, awaiting):
    awaiting.refresh_from_db()
    seen = awaiting.revision
    stale = Decision.objects.get(pk=awaiting.pk)
    decide(client_for(people.manager), awaiting, "approve")
    with pytest.raises(StaleDecision):
        withdrawal.withdraw(stale, people.practitioner, REASON, seen)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.APPROVED


def test_refused_once_shared_after_sharing_review(people):
    shared = submitted(people.practitioner, "child_referral_after_sharing")
    assert shared.status == Status.AWAITING_REVIEW
    with pytest.raises(withdrawal.CannotWithdraw, match="has been shared"):
        withdraw(shared, people.practitioner)
    shared.refresh_from_db()
    assert shared.status == Status.AWAITING_REVIEW
    assert [a.decision for a in approvals.queue_for(people.manager)] == [shared]


def test_refused_once_approved_or_returned_after_sharing(people, awaiting):
    decide(client_for(people.manager), awaiting, "approve")
    with pytest.raises(withdrawal.CannotWithdraw, match="approved"):
        withdraw(awaiting, people.practitioner)

    shared = submitted(people.practitioner, "child_referral_after_sharing")
    decide(client_for(people.manager), shared, "return", "Who else knows?")
    shared.refresh_from_db()
    assert shared.status == Status.RETURNED
    with pytest.raises(withdrawal.CannotWithdraw, match="has been shared"):
        withdraw(shared, people.practitioner)


def test_a_decision_returned_before_sharing_may_be_withdrawn(people, awaiting):
    decide(client_for(people.manager), awaiting, "return", "Which case is this?")
    awaiting.refresh_from_db()
    assert awaiting.status == Status.RETURNED
    withdraw(awaiting, people.practitioner)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.WITHDRAWN


def test_recorded_do_not_share_may_be_withdrawn_but_a_recorded_share_may_not(people):
    refused = submitted(people.practitioner, "outcome_do_not_share")
    assert refused.status == Status.RECORDED
    withdraw(refused, people.practitioner)
    refused.refresh_from_db()
    assert refused.status == Status.WITHDRAWN

    consent = submitted(people.practitioner, "outcome_share_with_consent")
    assert consent.status == Status.RECORDED
    with pytest.raises(withdrawal.CannotWithdraw, match="has been shared"):
        withdraw(consent, people.practitioner)


def test_an_open_escalation_may_be_withdrawn_and_leaves_the_managers_escalations(people):
    open_question = submitted(people.practitioner, "outcome_seek_advice")
    assert open_question.status == Status.ESCALATED
    assert [a.decision for a in approvals.escalations_for(people.manager)] == [open_question]
    withdraw(open_question, people.practitioner)
    assert approvals.escalations_for(people.manager) == []


# -- the partnership's figures ------------------------------------------------------------------


def test_the_register_and_dashboard_leave_it_out_unless_asked_for_withdrawn_decisions(people, awaiting):
    partnership = make_user(role=User.Role.PARTNERSHIP, agency=None)
    kept = submitted(people.practitioner, "outcome_do_not_share")
    assert dashboard.dashboard_figures(partnership, wanted(), current_flowchart()).total == 2

    withdraw(awaiting, people.practitioner)

    assert list(register.register_decisions(partnership, wanted())) == [kept]
    assert list(register.register_decisions(partnership, wanted("status=withdrawn"))) == [awaiting]
    assert dashboard.dashboard_figures(partnership, wanted(), current_flowchart()).total == 1
    assert dashboard.dashboard_figures(partnership, wanted("status=withdrawn"), current_flowchart()).total == 0
    # Kept, and still readable by the partnership.
    assert Decision.objects.visible_to(partnership).filter(pk=awaiting.pk).exists()


# -- the pages ----------------------------------------------------------------------------------


def withdraw_url(decision: Decision) -> str:
    return f"/approvals/{decision.public_id}/withdraw/"


def outcome_url(decision: Decision) -> str:
    return f"/decisions/{decision.public_id}/outcome/"


def post_withdraw(client, decision: Decision, reason: str = REASON, revision: int | None = None):
    from tests.approvals.conftest import csrf_from

    token = csrf_from(client, outcome_url(decision))
    decision.refresh_from_db()
    return client.post(withdraw_url(decision), {
        "csrfmiddlewaretoken": token, "reason": reason,
        "revision": decision.revision if revision is None else revision,
    })


def test_the_owner_sees_the_link_confirms_with_a_reason_and_sees_withdrawn(people, awaiting):
    owner = client_for(people.practitioner)
    page = owner.get(outcome_url(awaiting)).content.decode()
    assert "Withdraw this decision" in page and withdraw_url(awaiting) in page

    confirm = owner.get(withdraw_url(awaiting))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "govuk-warning-text" in text and "You cannot undo this" in text
    assert "Margaret Hughes" in text  # whose approvals it leaves

    response = post_withdraw(owner, awaiting)
    assert response.status_code in (302, 303)
    assert response["Location"] == outcome_url(awaiting)
    page = owner.get(outcome_url(awaiting)).content.decode()
    assert "Withdrawn: submitted in error" in page
    assert REASON in page
    assert "Withdraw this decision" not in page
    assert "You withdrew the decision" in page


def test_nobody_else_sees_the_link_or_reaches_the_page(people, awaiting):
    manager = client_for(people.manager)
    assert "Withdraw this decision" not in manager.get(outcome_url(awaiting)).content.decode()
    assert manager.get(withdraw_url(awaiting)).status_code == 404
    partnership = client_for(make_user(role=User.Role.PARTNERSHIP, agency=None))
    assert "Withdraw this decision" not in partnership.get(outcome_url(awaiting)).content.decode()
    assert partnership.get(withdraw_url(awaiting)).status_code in (403, 404)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_an_empty_reason_is_a_form_error_and_nothing_changes(people, awaiting):
    response = post_withdraw(client_for(people.practitioner), awaiting, reason="  ")
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text and "Enter why you are withdrawing this decision" in text
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_after_sharing_there_is_no_link_and_the_page_says_why(people):
    shared = submitted(people.practitioner, "child_referral_after_sharing")
    owner = client_for(people.practitioner)
    assert "Withdraw this decision" not in owner.get(outcome_url(shared)).content.decode()
    response = owner.get(withdraw_url(shared), follow=True)
    assert "It cannot be withdrawn: the information has been shared" in response.content.decode()
    shared.refresh_from_db()
    assert shared.status == Status.AWAITING_REVIEW


def test_a_double_submit_withdraws_once_and_says_so(people, awaiting):
    owner = client_for(people.practitioner)
    awaiting.refresh_from_db()
    seen = awaiting.revision
    post_withdraw(owner, awaiting, revision=seen)
    second = post_withdraw(owner, awaiting, revision=seen)
    assert second.status_code in (302, 303)
    page = owner.get(second["Location"]).content.decode()
    assert "already been withdrawn" in page
    assert awaiting.events.filter(kind=DecisionEvent.Kind.WITHDRAWN).count() == 1


def test_the_history_shows_the_withdrawal_with_its_reason(people, awaiting):
    withdraw(awaiting, people.practitioner)
    for reader in (people.practitioner, people.manager):
        page = client_for(reader).get(f"/decisions/{awaiting.public_id}/history/").content.decode()
        assert "Withdrawn: submitted in error" in page
        assert REASON in page


def test_the_approvers_queue_page_no_longer_lists_it(people, awaiting):
    manager = client_for(people.manager)
    assert awaiting.case_reference in manager.get("/approvals/").content.decode()
    post_withdraw(client_for(people.practitioner), awaiting)
    assert awaiting.case_reference not in manager.get("/approvals/").content.decode()
