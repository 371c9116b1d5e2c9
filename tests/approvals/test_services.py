"""The approval state machine: routing, each action with its reason, history, mail and overdue escalation."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from isg.approvals import services, tasks
from isg.approvals.models import Approval
from isg.approvals.submission import decision_submit, resubmit
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import DecisionNotEditable, StaleDecision
from tests.factories import make_user

from .conftest import assert_no_personal_details, client_for, submit, submitted

pytestmark = pytest.mark.django_db
Status, Kind = Decision.Status, DecisionEvent.Kind


def kinds(decision: Decision) -> list[str]:
    return [e.kind for e in services.approval_events(decision)]


# -- routing --------------------------------------------------------------------------------------


def test_a_decision_goes_to_the_practitioners_line_manager(people):
    assert services.route_approver(people.practitioner) == (people.manager, "line_manager")


def test_an_away_or_inactive_manager_hands_over_to_their_deputy_then_to_the_agency(people, clock):
    people.manager.deputy = people.peer
    people.manager.is_away = True
    people.manager.save()
    assert services.route_approver(people.practitioner) == (people.peer, "deputy")
    people.manager.is_away, people.manager.is_active = False, False
    people.manager.save()
    assert services.route_approver(people.practitioner) == (people.peer, "deputy")
    people.peer.is_away = True
    people.peer.save()
    assert services.route_approver(people.practitioner) == (None, "agency")
    # The agency queue's email goes to the least-loaded available manager, never the requester.
    assert [m.username for m in services.agency_managers(people.practitioner)] == ["boss"]


def test_a_practitioner_without_a_manager_goes_to_the_agency_queue(people):
    loner = make_user(username="loner", agency=people.agency)
    assert services.route_approver(loner) == (None, "agency")
    assert {m.username for m in services.agency_managers(loner)} == {"boss", "manager", "peer"}


def test_a_managers_own_decision_goes_to_their_own_manager_and_never_to_themselves(people):
    assert services.route_approver(people.manager) == (people.boss, "line_manager")
    assert services.route_approver(people.boss) == (None, "agency")
    assert people.boss not in services.agency_managers(people.boss)
    decision = submitted(people.manager)
    assert decision.approval.approver == people.boss
    with pytest.raises(services.NotAllowed):
        services.approve(decision, people.manager, "I agree with myself", decision.revision)


# -- submit ---------------------------------------------------------------------------------------


def test_submitting_a_share_without_consent_asks_the_manager_by_email_with_a_link_only(people, awaiting):
    assert awaiting.status == Status.AWAITING_APPROVAL and awaiting.approval_mode == "before_sharing"
    approval = awaiting.approval
    # Asked on Monday at 10:00: due by the end of that working day.
    due = datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC)
    assert (approval.approver, approval.routed_by, approval.due_at, approval.mode) == (
        people.manager, "line_manager", due, "before_sharing")
    assert kinds(awaiting) == [Kind.SUBMITTED]
    [message] = mail.outbox
    assert message.to == ["manager@example.org"]
    assert message.subject == "A decision is waiting for your approval"
    assert f"http://127.0.0.1:8000/approvals/{awaiting.public_id}/" in message.body
    assert_no_personal_details(message, awaiting, people.practitioner, people.manager)


@pytest.mark.parametrize("outcome", ["outcome_share_with_consent", "outcome_do_not_share"])
def test_outcomes_that_need_no_approval_are_recorded_and_send_nothing(people, outcome):
    decision = submitted(people.practitioner, outcome)
    assert decision.status == Status.RECORDED
    assert not Approval.objects.filter(decision=decision).exists()
    assert mail.outbox == []


def test_share_limited_needs_approval_too(people):
    assert submitted(people.practitioner, "outcome_share_limited").status == Status.AWAITING_APPROVAL


def test_a_child_at_risk_referred_to_social_care_is_shared_at_once_and_reviewed_the_same_day(people, shared):
    assert (shared.status, shared.approval_mode, shared.approval.mode) == (
        Status.AWAITING_REVIEW, "after_sharing", "after_sharing")
    assert shared.approval.approver == people.manager
    assert shared.approval.due_at == datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC)
    assert mail.outbox[-1].subject == "Information has been shared: please review it today"
    assert [a.id for a in services.answers_for(shared)] == ["agree", "return", "disagree"]


def test_shared_out_of_hours_it_is_reviewed_the_next_working_day(people, clock):
    clock.set(datetime.datetime(2026, 3, 6, 19, 30, tzinfo=datetime.UTC))  # Friday evening
    decision = submitted(people.practitioner, "child_referral_after_sharing")
    assert decision.approval.due_at == datetime.datetime(2026, 3, 9, 17, 0, tzinfo=datetime.UTC)  # Monday


# -- the approver's actions -----------------------------------------------------------------------


def test_approve_records_who_when_and_why_and_tells_the_practitioner(people, awaiting):
    mail.outbox.clear()
    services.approve(awaiting, people.manager, "Serious harm; proportionate", awaiting.revision)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.APPROVED
    approval = Approval.objects.get(decision=awaiting)
    assert approval.decided_by == people.manager and approval.decided_at is not None
    event = services.approval_events(awaiting)[-1]
    assert (event.kind, event.actor, event.payload["reason"]) == (Kind.APPROVED, people.manager, "Serious harm; proportionate")
    [message] = mail.outbox
    assert message.to == ["pat@example.org"] and message.subject == "Your decision was approved"
    assert_no_personal_details(message, awaiting, people.practitioner, people.manager)


@pytest.mark.parametrize("answer", ["approve", "not_approve", "return"])
@pytest.mark.parametrize("words", ["", "   ", None])
def test_every_action_needs_words(people, awaiting, answer, words):
    with pytest.raises(services.ReasonRequired):
        services.decide(awaiting, people.manager, answer, words, awaiting.revision,
                        review_date=datetime.date(2099, 1, 1))
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_not_approving_asks_when_the_decision_not_to_share_is_reviewed_and_opens_that_review(people, awaiting):
    with pytest.raises(services.ReviewDateRequired):
        services.decide(awaiting, people.manager, "not_approve", "Not proportionate", awaiting.revision)
    services.decide(awaiting, people.manager, "not_approve", "Not proportionate", awaiting.revision,
                    review_owner="Sam Lead", review_date=datetime.date(2026, 4, 1))
    assert awaiting.status == Status.NOT_APPROVED
    [review] = awaiting.follow_ups_due.filter(source="")  # the approver's review; the record's dates open their own
    assert (review.kind, review.owner, review.description) == ("review", people.practitioner, "Sam Lead")
    assert kinds(awaiting)[-1] == Kind.NOT_APPROVED


@pytest.mark.parametrize("who", ["practitioner", "outsider", "outsider_practitioner"])
def test_only_a_manager_who_holds_the_decision_may_act(people, awaiting, who):
    with pytest.raises(services.NotAllowed):
        services.approve(awaiting, getattr(people, who), "Looks fine", awaiting.revision)


def test_a_stale_revision_or_a_second_action_changes_nothing(people, awaiting):
    """Decided once: a second answer (another tab, a double click) is refused and changes nothing."""
    revision = awaiting.revision
    services.not_approve(awaiting, people.manager, "Not proportionate", revision)
    fresh = Decision.objects.get(pk=awaiting.pk)
    with pytest.raises(StaleDecision):
        services.approve(fresh, people.manager, "Changed my mind", revision)
    with pytest.raises(StaleDecision):
        services.approve(fresh, people.manager, "Changed my mind", fresh.revision)  # no longer awaiting
    fresh.refresh_from_db()
    assert fresh.status == Status.NOT_APPROVED
    assert kinds(fresh) == [Kind.SUBMITTED, Kind.NOT_APPROVED]


def test_return_answer_resubmit_then_approve_keeps_every_step_in_the_history(people, awaiting):
    mail.outbox.clear()
    services.return_for_information(awaiting, people.manager, "Who else lives at the address?", awaiting.revision)
    assert awaiting.status == Status.RETURNED and awaiting.is_editable
    assert mail.outbox[-1].to == ["pat@example.org"]
    assert mail.outbox[-1].subject == "Your decision was returned with a question"
    question = services.pending_question(awaiting)
    assert question.payload == {"question": "Who else lives at the address?", "mode": "before_sharing",
                                "path_answers": [[step["node"], step["answer"]] for step in awaiting.path]}
    # Not yet: the question has no answer.
    from isg.decisions.services import IncompleteDecision

    with pytest.raises(IncompleteDecision) as refused:
        decision_submit(decision=awaiting, actor=people.practitioner, revision=awaiting.revision)
    assert [g.field for g in refused.value.gaps] == ["return_answer"]
    with pytest.raises(services.NotAllowed):
        services.answer_return(awaiting, people.manager, "I answer for them", awaiting.revision)
    services.answer_return(awaiting, people.practitioner, "Mother and a lodger", awaiting.revision)
    assert services.pending_question(awaiting) is None
    resubmit(awaiting, people.practitioner, awaiting.revision)
    assert awaiting.status == Status.AWAITING_APPROVAL
    assert mail.outbox[-1].to == ["manager@example.org"]
    assert mail.outbox[-1].subject == "A decision is waiting for your approval again"
    services.approve(awaiting, people.manager, "Answered: proportionate", awaiting.revision)
    assert kinds(awaiting) == [Kind.SUBMITTED, Kind.RETURNED, Kind.RETURN_ANSWERED, Kind.RESUBMITTED, Kind.APPROVED]
    answered = [e for e in services.approval_events(awaiting) if e.kind == Kind.RETURN_ANSWERED][0]
    assert (answered.actor, answered.payload["answer"]) == (people.practitioner, "Mother and a lodger")


def test_answering_is_refused_unless_the_decision_is_returned(people, awaiting):
    with pytest.raises(StaleDecision):
        services.answer_return(awaiting, people.practitioner, "An answer", awaiting.revision)


def test_a_decided_decision_cannot_be_edited(people, awaiting):
    services.approve(awaiting, people.manager, "Fine", awaiting.revision)
    assert not awaiting.is_editable
    from isg.decisions.services import decision_save_record

    with pytest.raises(DecisionNotEditable):
        decision_save_record(decision=awaiting, actor=people.practitioner, record={}, revision=awaiting.revision)


def test_an_agency_queue_decision_may_be_taken_by_any_manager_of_the_agency_but_not_another(people):
    loner = make_user(username="loner", agency=people.agency, email="loner@example.org")
    decision = submitted(loner)
    assert decision.approval.approver is None and decision.approval.routed_by == "agency"
    assert mail.outbox[-1].to == ["boss@example.org"]  # fewest open approvals, then username
    assert services.may_act(people.peer, decision) and services.may_act(people.manager, decision)
    assert not services.may_act(people.outsider, decision)
    services.approve(decision, people.peer, "Agreed", decision.revision)


# -- emergencies, deadlines and the next approver up -----------------------------------------------


def test_an_emergency_is_reviewed_by_the_end_of_the_day_then_goes_up_once_when_missed(people, clock):
    decision = submitted(people.practitioner, "outcome_emergency_share")
    approval = decision.approval
    assert decision.status == Status.AWAITING_REVIEW and decision.is_emergency
    assert approval.due_at == datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC)
    mail.outbox.clear()
    assert services.escalate_overdue(approval.due_at - datetime.timedelta(minutes=1)) == 0
    clock.set(approval.due_at + datetime.timedelta(hours=1))
    assert services.escalate_overdue() == 1
    approval.refresh_from_db()
    # It moves to the manager's own manager, with a new working day to review it; nothing is decided.
    assert (approval.approver, approval.escalated_to, approval.level) == (people.boss, people.boss, 1)
    assert approval.due_at == datetime.datetime(2026, 3, 3, 17, 0, tzinfo=datetime.UTC)
    decision.refresh_from_db()
    assert decision.status == Status.AWAITING_REVIEW
    [message] = mail.outbox
    assert message.to == ["boss@example.org"] and "overdue" in message.subject
    assert f"/approvals/{decision.public_id}/" in message.body
    assert_no_personal_details(message, decision, people.practitioner, people.manager, people.boss)
    assert kinds(decision)[-1] == Kind.OVERDUE_ESCALATED
    # Idempotent: a second sweep (or the scheduled task) in the same hour moves nothing more.
    assert services.escalate_overdue() == 0
    assert tasks.check_overdue.call(approval.pk) == 0
    assert len(mail.outbox) == 1
    # One current approver: the boss now, no longer the manager.
    assert services.may_act(people.boss, decision) and not services.may_act(people.manager, decision)
    services.approve(decision, people.boss, "Shared rightly in the emergency", decision.revision)
    assert decision.status == Status.AGREED
    late = services.approval_events(decision)[-1]
    assert late.payload["late"] is False  # within the boss's own working day


def test_the_command_sweeps_overdue_approvals(people, clock):
    decision = submitted(people.practitioner, "outcome_emergency_share")
    clock.advance(days=1)
    out = StringIO()
    call_command("approvals", "escalate-overdue", stdout=out)
    assert out.getvalue().strip() == "1 overdue approval escalated"
    call_command("approvals", "escalate-overdue", stdout=out)
    assert out.getvalue().strip().endswith("0 overdue approvals escalated")
    assert Approval.objects.get(decision=decision).approver == people.boss


def test_approving_after_the_deadline_is_recorded_as_late(people, awaiting, clock):
    clock.set(datetime.datetime(2026, 3, 2, 17, 30, tzinfo=datetime.UTC))
    services.approve(awaiting, people.manager, "Sorry, a busy day", awaiting.revision)
    assert services.approval_events(awaiting)[-1].payload["late"] is True


def test_a_no_on_serious_harm_can_only_escalate_and_goes_to_the_next_approver_up(people, serious):
    assert [a.id for a in services.answers_for(serious)] == ["approve", "return", "escalate"]
    with pytest.raises(services.policy.NotOffered):
        services.decide(serious, people.manager, "not_approve", "No", serious.revision,
                        review_date=datetime.date(2099, 1, 1))
    mail.outbox.clear()
    services.decide(serious, people.manager, "escalate", "The charity does not need the history", serious.revision)
    serious.refresh_from_db()
    assert serious.status == Status.AWAITING_APPROVAL
    approval = Approval.objects.get(decision=serious)
    assert (approval.approver, approval.level) == (people.boss, 1)
    went_up = services.approval_events(serious)[-1]
    assert (went_up.kind, went_up.actor, went_up.payload["escalated_to"]) == (Kind.REFERRED_UP, people.manager, "Bella Boss")
    assert {m.to[0] for m in mail.outbox} == {"boss@example.org", "pat@example.org"}
    told = next(m for m in mail.outbox if m.to == ["pat@example.org"])
    assert "may still refer" in told.body
    # The manager who said no is no longer its approver, and it never comes back to them.
    assert not services.may_act(people.manager, serious) and services.may_act(people.boss, serious)


def test_after_sharing_a_disagreement_stands_the_share_and_opens_the_breach_assessment(people, shared, clock):
    officer = make_user(username="dpo", role="data_protection_officer", agency=people.agency, email="dpo@example.org")
    mail.outbox.clear()
    services.decide(shared, people.manager, "disagree", "Only the school needed to know", shared.revision)
    shared.refresh_from_db()
    assert shared.status == Status.DISAGREED  # shared, and it stays shared
    [task] = shared.follow_ups_due.filter(kind="breach_assessment")
    assert (task.kind, task.owner) == ("breach_assessment", officer)
    assert task.due_at == clock.now + datetime.timedelta(hours=72)
    assert {m.to[0] for m in mail.outbox} == {"dpo@example.org", "pat@example.org"}
    assert kinds(shared)[-1] == Kind.REVIEW_DISAGREED


def test_a_deferring_backend_gets_the_overdue_check_queued_for_the_due_time(people, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    decision = submitted(people.practitioner, "outcome_emergency_share")
    backend = tasks.check_overdue.get_backend()
    [queued] = [r for r in backend.results if r.task.name == "check_overdue"]
    assert queued.args == [decision.approval.pk]
    assert queued.task.run_after > decision.approval.due_at - datetime.timedelta(seconds=1)


def test_an_emergency_share_is_never_not_approved_only_disagreed_with(people):
    decision = submitted(people.practitioner, "outcome_emergency_share")
    with pytest.raises(services.policy.NotOffered):
        services.not_approve(decision, people.manager, "Should have called the police instead", decision.revision)
    services.decide(decision, people.manager, "disagree", "Should have called the police instead", decision.revision)
    assert decision.status == Status.DISAGREED and decision.is_emergency


# -- escalated (seek advice) decisions --------------------------------------------------------------


def test_an_unresolved_decision_stays_open_escalated_until_a_follow_up_resolves_it(people):
    decision = submitted(people.practitioner, "outcome_seek_advice")
    assert decision.status == Status.ESCALATED
    approval = decision.approval
    assert (approval.purpose, approval.approver) == (Approval.Purpose.ESCALATION, people.manager)
    assert mail.outbox[-1].to == ["manager@example.org"]
    assert [a.decision for a in services.escalations_for(people.manager)] == [decision]
    assert kinds(decision) == [Kind.SUBMITTED, Kind.ESCALATED]

    client = client_for(people.practitioner)
    from tests.decisions.helpers import start_data

    from .conftest import csrf_from

    url = f"/decisions/new/?another={decision.public_id}"
    token = csrf_from(client, url)
    response = client.post(url, {**start_data(case_reference=decision.case_reference), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    follow_up = Decision.objects.latest("id")
    assert follow_up.follows == decision
    # Walk it to a recorded outcome; submitting it resolves the escalated decision.
    from tests.decisions.helpers import answer_current
    from tests.engine.walks import WALKS

    plain = Client()  # the walk's own pages are tested elsewhere; here only where it ends
    plain.force_login(people.practitioner)
    for pair in WALKS["outcome_share_with_consent"][1:]:
        follow_up.refresh_from_db()
        node, answer = pair.split(":")
        assert follow_up.current_node == node
        assert answer_current(plain, follow_up, answer).status_code == 302
    follow_up.refresh_from_db()
    assert submit(client, follow_up).status_code == 302
    decision.refresh_from_db()
    assert decision.status == Status.RESOLVED
    assert kinds(decision)[-1] == Kind.RESOLVED
    assert services.escalations_for(people.manager) == []


def test_a_managers_refusal_with_the_practitioner_still_concerned_escalates_beyond_that_manager(people):
    decision = submitted(people.practitioner, "outcome_seek_advice")
    assert decision.approval.approver == people.manager  # advice did not settle it: the line manager
    # The practitioner recorded that the manager did not agree and they remain concerned: go above them.
    decision.state = {**decision.state, "approval": "not_approved"}
    approval = services.open_escalation(decision, people.practitioner)
    assert (approval.approver, approval.routed_by) == (people.boss, "line_manager")


def test_users_without_an_email_address_are_skipped_quietly(people):
    people.manager.email = ""
    people.manager.save()
    decision = submitted(people.practitioner)
    assert decision.status == Status.AWAITING_APPROVAL and mail.outbox == []


