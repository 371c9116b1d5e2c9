"""Handing waiting approvals on (isg/approvals/handover.py): to the deputy, else the line manager, else the
agency's queue; never the author; recorded in the decision's history; the new approver emailed; idempotent."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from isg.accounts.models import AwayPeriod, User
from isg.approvals.handover import hand_over_waiting, start_due_away_periods, successor
from isg.approvals.models import Approval
from isg.approvals.tasks import MESSAGES
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from isg.decisions.history import verify_events
from isg.decisions.models import Decision, DecisionEvent
from tests.factories import make_agency, make_decision, make_manager, make_user
from tests.waiting import make_waiting_decision

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def team():
    """An agency: director manages manager, whose deputy is deputy; pat reports to manager; peer is another manager."""
    agency = make_agency(name="Avon Health")
    director = make_manager(username="director", first_name="Dana", last_name="Reid", agency=agency,
                            email="director@example.org")
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=agency,
                          line_manager=director, email="deputy@example.org")
    manager = make_manager(username="manager", first_name="Margaret", last_name="Hughes", agency=agency,
                           line_manager=director, deputy=deputy, email="manager@example.org")
    pat = make_user(username="pat", agency=agency, line_manager=manager, email="pat@example.org")
    admin = make_user(username="boss", role=User.Role.ADMIN, agency=None)
    return SimpleNamespace(agency=agency, director=director, deputy=deputy, manager=manager, pat=pat,
                           admin=admin)


def approval(decision: Decision) -> Approval:
    return Approval.objects.get(decision=decision)


def test_a_waiting_approval_goes_to_the_deputy_with_a_history_event_and_an_email(team):
    decision = make_waiting_decision(team.pat, team.manager)
    mail.outbox = []
    assert hand_over_waiting(team.manager, reason="deactivated", actor=team.admin) == 1
    moved = approval(decision)
    assert (moved.approver, moved.routed_by) == (team.deputy, Approval.RoutedBy.DEPUTY)
    event = decision.events.get(kind=DecisionEvent.Kind.HANDED_OVER)
    assert event.actor == team.admin
    assert event.payload["handed_over_from"] == team.manager.pk and event.payload["handed_over_to"] == team.deputy.pk
    assert event.payload["why"] == "deactivated"
    assert event.payload["note"] == ("From Margaret Hughes to Dev Desai, their deputy: their account was switched off.")
    [message] = mail.outbox
    assert message.to == ["deputy@example.org"] and message.subject == MESSAGES["submitted"][0]
    assert "Margaret" not in message.body and decision.case_reference not in message.body
    # On the chain, as every history event is: the digest, not the words.
    chained = AuditEvent.objects.get(action="handed_over")
    assert chained.subject_id == str(decision.public_id) and "note" not in chained.payload
    assert verify_chain().ok and verify_events().ok


def test_an_away_or_switched_off_deputy_is_passed_over_for_the_line_manager(team):
    decision = make_waiting_decision(team.pat, team.manager)
    AwayPeriod.objects.create(user=team.deputy, starts_on=TODAY)
    assert successor(team.manager, decision) == (team.director, Approval.RoutedBy.LINE_MANAGER)
    AwayPeriod.objects.all().delete()
    User.objects.filter(pk=team.deputy.pk).update(is_active=False)
    team.manager.refresh_from_db()
    hand_over_waiting(team.manager, reason="away", actor=team.admin)
    assert approval(decision).approver == team.director


def test_with_nobody_to_take_it_the_agency_queue_has_it_and_its_least_loaded_manager_is_told(team):
    peer = make_manager(username="peer", agency=team.agency, email="peer@example.org")
    User.objects.filter(pk__in=[team.deputy.pk, team.director.pk]).update(is_active=False)
    team.manager.refresh_from_db()
    User.objects.filter(pk=team.manager.pk).update(is_active=False)  # switched off first, as deactivation does
    decision = make_waiting_decision(team.pat, team.manager)
    mail.outbox = []
    hand_over_waiting(team.manager, reason="deactivated", actor=team.admin)
    moved = approval(decision)
    assert (moved.approver, moved.routed_by) == (None, Approval.RoutedBy.AGENCY)
    assert [m.to for m in mail.outbox] == [[peer.email]]
    assert "the agency's queue" in decision.events.get(kind="handed_over").payload["note"]


def test_it_never_goes_to_the_decisions_own_author(team):
    # The deputy's own decision, waiting for the manager: it must skip the deputy.
    decision = make_waiting_decision(team.deputy, team.manager)
    hand_over_waiting(team.manager, reason="away", actor=team.admin)
    assert approval(decision).approver == team.director


def test_only_waiting_decisions_move_and_a_second_run_moves_nothing(team):
    waiting = make_waiting_decision(team.pat, team.manager, case_reference="W")
    escalated = make_waiting_decision(team.pat, team.manager, status=Decision.Status.ESCALATED, case_reference="E")
    decided = make_waiting_decision(team.pat, team.manager, status=Decision.Status.APPROVED, case_reference="D")
    mail.outbox = []
    assert hand_over_waiting(team.manager, reason="deactivated", actor=team.admin) == 2
    assert approval(waiting).approver == approval(escalated).approver == team.deputy
    assert approval(decided).approver == team.manager
    assert sorted(m.subject for m in mail.outbox) == sorted([MESSAGES["escalated"][0], MESSAGES["submitted"][0]])
    assert hand_over_waiting(team.manager, reason="deactivated", actor=team.admin) == 0
    assert DecisionEvent.objects.filter(kind="handed_over").count() == 2


def test_an_overdue_approval_escalated_to_them_moves_too(team):
    decision = make_waiting_decision(team.pat, team.deputy, escalated_to=team.manager)
    mail.outbox = []
    hand_over_waiting(team.manager, reason="deactivated", actor=team.admin)
    moved = approval(decision)
    assert moved.approver == team.deputy  # untouched: routed to someone else
    assert moved.escalated_to == team.director  # never the approver it is overdue with: the deputy is passed over
    assert mail.outbox[0].subject == MESSAGES["overdue"][0]


def test_a_decision_submitted_through_the_walk_is_handed_over_too(team):
    decision = make_decision(team.pat, "outcome_share_without_consent", submit=True)
    assert approval(decision).approver == team.manager
    hand_over_waiting(team.manager, reason="away", actor=team.admin)
    assert approval(decision).approver == team.deputy
    assert verify_events().ok


def test_a_review_after_sharing_is_handed_over_with_the_review_email(team):
    decision = make_waiting_decision(team.pat, team.manager, status=Decision.Status.AWAITING_REVIEW)
    mail.outbox = []
    assert hand_over_waiting(team.manager, reason="away", actor=team.admin) == 1
    assert approval(decision).approver == team.deputy
    assert [m.subject for m in mail.outbox] == [MESSAGES["review"][0]]


def test_it_never_goes_back_to_someone_who_sent_it_up_by_not_agreeing(team):
    decision = make_waiting_decision(team.pat, team.manager)
    DecisionEvent.objects.bulk_create([DecisionEvent(decision=decision, actor=team.deputy, kind="referred_up",
                                                     revision=decision.revision, payload={})])
    hand_over_waiting(team.manager, reason="away", actor=team.admin)
    assert approval(decision).approver == team.director


def test_an_unknown_reason_is_refused(team):
    with pytest.raises(ValueError):
        hand_over_waiting(team.manager, reason="bored", actor=team.admin)


# -- away periods starting ------------------------------------------------------------------------


def test_the_daily_step_hands_over_for_periods_starting_today_and_is_idempotent(team):
    decision = make_waiting_decision(team.pat, team.manager)
    tomorrow = TODAY + datetime.timedelta(days=1)
    AwayPeriod.objects.create(user=team.manager, starts_on=tomorrow, set_by=team.admin)
    assert start_due_away_periods(TODAY) == 0
    team.manager.refresh_from_db()
    assert not team.manager.is_away and approval(decision).approver == team.manager

    assert start_due_away_periods(tomorrow) == 1
    team.manager.refresh_from_db()
    assert team.manager.is_away and approval(decision).approver == team.deputy
    assert decision.events.get(kind="handed_over").actor == team.admin  # who set the period
    began = AuditEvent.objects.filter(action="away_began", subject_id=str(team.manager.pk))
    assert began.count() == 1 and began.get().actor is None

    assert start_due_away_periods(tomorrow) == 0  # again the same day: nothing more
    assert began.count() == 1 and DecisionEvent.objects.filter(kind="handed_over").count() == 1


def test_the_daily_step_clears_away_when_a_period_is_over(team):
    AwayPeriod.objects.create(user=team.manager, starts_on=TODAY, ends_on=TODAY)
    start_due_away_periods(TODAY)
    team.manager.refresh_from_db()
    assert team.manager.is_away
    start_due_away_periods(TODAY + datetime.timedelta(days=1))
    team.manager.refresh_from_db()
    assert not team.manager.is_away
    assert AuditEvent.objects.filter(action="away_over", subject_id=str(team.manager.pk)).count() == 1
