"""Cover for absence: a manager hands one waiting item to another approver with a reason; a deputy
sees whom they cover; the navigation counts what waits and a manager with work lands on Approvals;
access follows the current approver before, during and after an away period."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from isg.access.services import may
from isg.accounts.away import away_period_add, away_period_end
from isg.approvals import handover, services
from isg.approvals.models import Approval
from isg.decisions.models import DecisionEvent
from isg.decisions.services import StaleDecision
from tests.approvals.conftest import submitted
from tests.factories import make_user

from .conftest import client_for, csrf_from, decide

pytestmark = pytest.mark.django_db


def hand_over_url(decision) -> str:
    return reverse("approvals:hand-over", args=[decision.public_id])


def post_hand_over(client, decision, data: dict):
    token = csrf_from(client, hand_over_url(decision))
    decision.refresh_from_db()
    return client.post(hand_over_url(decision), {"csrfmiddlewaretoken": token, "revision": decision.revision, **data})


def test_the_current_approver_hands_it_to_a_colleague_with_a_reason(people, awaiting):
    client = client_for(people.manager)
    page = client.get(hand_over_url(awaiting)).content.decode()
    # Who may take it: the agency's other line managers, never the author or the holder.
    assert "Percy Peer" in page and "Bella Boss" in page
    assert "Pat Practitioner" not in page.split("Who should have it now?")[1]
    mail.outbox.clear()
    response = post_hand_over(client, awaiting, {"to": people.peer.pk, "reason": "I am in court all day today"})
    assert response.status_code in (302, 303)
    assert response["Location"] == reverse("decisions:outcome", args=[awaiting.public_id])
    approval = Approval.objects.get(decision=awaiting)
    assert (approval.approver, approval.routed_by) == (people.peer, Approval.RoutedBy.HANDED_OVER)
    event = awaiting.events.filter(kind=DecisionEvent.Kind.HANDED_OVER).get()
    assert (event.actor, event.payload["handed_over_to"], event.payload["reason"]) == (
        people.manager, people.peer.pk, "I am in court all day today")
    assert [m.to for m in mail.outbox] == [["peer@example.org"]]
    # Responsibility moved: Percy acts now, Margaret no longer can.
    awaiting.refresh_from_db()
    assert may(people.peer, awaiting, "approve") and not may(people.manager, awaiting, "approve")
    outcome = client_for(people.practitioner).get(reverse("decisions:outcome", args=[awaiting.public_id]))
    assert "Percy Peer (handed over by a manager)" in outcome.content.decode()
    queue = client_for(people.peer).get(reverse("approvals:queue")).content.decode()
    assert awaiting.case_reference in queue and "Handed to you" in queue


def test_an_answer_that_arrives_after_a_hand_over_is_told_where_it_went_and_nothing_is_recorded(people, awaiting):
    # Margaret opened the approval page; meanwhile it was handed to Percy. Her answer now finds a
    # decision she may no longer see: a 404, which says what may have happened, and changes nothing.
    margaret = client_for(people.manager)
    token = csrf_from(margaret, f"/approvals/{awaiting.public_id}/")
    awaiting.refresh_from_db()
    handover.hand_to(awaiting, people.manager, people.peer, "In court today", awaiting.revision)
    response = margaret.post(f"/approvals/{awaiting.public_id}/", {
        "csrfmiddlewaretoken": token, "revision": awaiting.revision, "action": "approve", "reason": "Proportionate"})
    assert response.status_code == 404
    body = response.content.decode()
    assert "handed to another manager or withdrawn before your answer arrived" in body
    assert "Nothing you sent was recorded" in body and 'href="/approvals/"' in body
    awaiting.refresh_from_db()
    assert awaiting.is_waiting and Approval.objects.get(decision=awaiting).approver == people.peer
    # Any other missing page says nothing about approvals.
    assert "approval" not in margaret.get("/no-such-page/").content.decode().split("<main")[1]


@pytest.mark.parametrize(("who", "message"), [
    ("practitioner", "cannot take it"), ("outsider", "cannot take it"), ("manager", "cannot take it"),
])
def test_someone_who_may_not_take_it_is_refused_and_nothing_changes(people, awaiting, who, message):
    client = client_for(people.manager)
    response = post_hand_over(client, awaiting, {"to": getattr(people, who).pk, "reason": "Because"})
    assert response.status_code == 400
    assert message in response.content.decode() and "There is a problem" in response.content.decode()
    assert Approval.objects.get(decision=awaiting).approver == people.manager
    assert not awaiting.events.filter(kind=DecisionEvent.Kind.HANDED_OVER).exists()


def test_a_reason_is_needed(people, awaiting):
    response = post_hand_over(client_for(people.manager), awaiting, {"to": people.peer.pk, "reason": ""})
    assert response.status_code == 400 and "Enter why you are handing it over" in response.content.decode()
    assert Approval.objects.get(decision=awaiting).approver == people.manager


def test_someone_away_is_not_offered(people, awaiting, clock):
    away_period_add(user=people.peer, starts_on=timezone.localdate(), ends_on=None, reason="Annual leave",
                    set_by=people.boss)
    people.peer.refresh_from_db()
    assert people.peer not in handover.eligible_approvers(awaiting)
    response = post_hand_over(client_for(people.manager), awaiting, {"to": people.peer.pk, "reason": "Cover"})
    assert response.status_code == 400


def test_only_the_holder_or_the_practitioners_manager_may_hand_it_over(people, awaiting):
    assert may(people.manager, awaiting, "hand_over")  # holds it, and manages Pat
    assert not may(people.peer, awaiting, "hand_over")
    assert not may(people.practitioner, awaiting, "hand_over")
    assert not may(people.outsider, awaiting, "hand_over")
    assert client_for(people.peer).get(hand_over_url(awaiting)).status_code == 404
    # Once decided, there is nothing to hand over.
    decide(client_for(people.manager), awaiting, "approve")
    awaiting.refresh_from_db()
    assert not may(people.manager, awaiting, "hand_over")
    assert client_for(people.manager).get(hand_over_url(awaiting)).status_code == 404


def test_the_agencys_designated_safeguarding_lead_sees_what_waits_and_may_hand_it_over(people, awaiting):
    # Percy neither holds it nor manages Pat: as the agency's lead he may still move it on.
    assert client_for(people.peer).get(reverse("decisions:outcome", args=[awaiting.public_id])).status_code == 404
    type(people.peer).objects.filter(pk=people.peer.pk).update(is_designated_safeguarding_lead=True)
    people.peer.refresh_from_db()
    assert may(people.peer, awaiting, "hand_over") and may(people.peer, awaiting, "view")
    queue = client_for(people.peer).get(reverse("approvals:queue")).content.decode()
    section = queue.split('id="agency-waiting"')[1].split("Escalated decisions still open")[0]
    assert awaiting.case_reference in section and "Margaret Hughes" in section and hand_over_url(awaiting) in section
    response = post_hand_over(client_for(people.peer), awaiting, {"to": people.boss.pk, "reason": "Margaret is off sick"})
    assert response.status_code in (302, 303)
    approval = Approval.objects.get(decision=awaiting)
    assert approval.approver == people.boss and approval.routed_by == Approval.RoutedBy.HANDED_OVER
    event = DecisionEvent.objects.filter(decision=awaiting).latest("pk")
    assert event.actor == people.peer
    # Another agency's lead has no say over it, and a lead never hands over what is no longer waiting.
    type(people.outsider).objects.filter(pk=people.outsider.pk).update(is_designated_safeguarding_lead=True)
    people.outsider.refresh_from_db()
    assert not may(people.outsider, awaiting, "hand_over")
    assert client_for(people.outsider).get(hand_over_url(awaiting)).status_code == 404
    decide(client_for(people.boss), awaiting, "approve")
    awaiting.refresh_from_db()
    assert not may(people.peer, awaiting, "hand_over")


def test_a_hand_over_racing_an_approval_has_one_winner(people, awaiting):
    seen = awaiting.revision
    services.decide(awaiting, people.manager, "approve", "Proportionate", seen)
    with pytest.raises(StaleDecision):
        handover.hand_to(awaiting, people.manager, people.peer, "Cover", seen)
    approval = Approval.objects.get(decision=awaiting)
    assert approval.approver == people.manager and approval.decided_by == people.manager
    # ... and the other way round: an approval on the revision the hand-over moved is stale.
    other = submitted(people.practitioner)
    seen = other.revision
    handover.hand_to(other, people.manager, people.peer, "Cover", seen)
    with pytest.raises((StaleDecision, services.NotAllowed)):
        services.decide(other, people.manager, "approve", "Proportionate", seen)
    other.refresh_from_db()
    assert other.status == other.Status.AWAITING_APPROVAL


def test_the_navigation_counts_what_waits_and_a_manager_with_work_lands_on_approvals(people, awaiting):
    client = client_for(people.manager)
    assert client.get("/")["Location"] == reverse("approvals:queue")
    page = client.get(reverse("decisions:mine")).content.decode()
    assert '>Approvals <strong class="govuk-tag govuk-tag--red isg-nav-count">1<span class="govuk-visually-hidden"> waiting</span></strong></a>' in page
    # With nothing waiting: My decisions, and no count.
    decide(client, awaiting, "approve")
    assert client.get("/")["Location"] == reverse("decisions:mine")
    assert "isg-nav-count" not in client.get(reverse("decisions:mine")).content.decode()
    # Practitioners have no Approvals at all.
    assert client_for(people.practitioner).get("/")["Location"] == reverse("decisions:mine")


def test_access_follows_the_approver_before_during_and_after_an_away_period(people, clock):
    deputy = make_user(username="deputy", first_name="Dev", last_name="Deputy", role="line_manager",
                       agency=people.agency, email="deputy@example.org")
    people.manager.deputy = deputy
    people.manager.save(update_fields=["deputy"])
    waiting = submitted(people.practitioner)

    # Before: the item is Margaret's; the deputy cannot see or act on it.
    assert may(people.manager, waiting, "approve") and not may(deputy, waiting, "view")

    # During: Margaret is away from today, the daily step hands it to her deputy.
    period = away_period_add(user=people.manager, starts_on=timezone.localdate(), ends_on=None,
                             reason="Annual leave", set_by=people.boss)
    handover.start_due_away_periods(timezone.localdate())
    people.manager.refresh_from_db()
    waiting.refresh_from_db()
    assert Approval.objects.get(decision=waiting).approver == deputy
    assert may(deputy, waiting, "approve") and not may(people.manager, waiting, "approve")
    queue = client_for(deputy).get(reverse("approvals:queue")).content.decode()
    assert "You are covering for Margaret Hughes" in queue and "Covering for Margaret Hughes" in queue
    decide(client_for(deputy), waiting, "approve", "Agreed while Margaret is away")

    # After: Margaret is back; the deputy keeps only what they acted on, read-only.
    clock.advance(days=7)
    away_period_end(period=period, ended_by=people.boss, today=timezone.localdate())
    people.manager.refresh_from_db()
    waiting.refresh_from_db()
    assert may(deputy, waiting, "view") and may(deputy, waiting, "history")
    assert not services.may_act(deputy, waiting) and not may(deputy, waiting, "amend")
    assert not may(deputy, waiting, "hand_over")
    page = client_for(deputy).get(reverse("approvals:decide", args=[waiting.public_id])).content.decode()
    assert "Send your decision" not in page  # the approval page, read-only
    assert "You are covering for" not in client_for(deputy).get(reverse("approvals:queue")).content.decode()
    # A decision made after she is back goes to Margaret again, not the deputy.
    later = submitted(people.practitioner)
    assert Approval.objects.get(decision=later).approver == people.manager
    assert not may(deputy, later, "view")


def test_a_public_interest_share_approved_after_its_limit_shows_approved_late(people, awaiting, clock):
    approval = Approval.objects.get(decision=awaiting)
    on_time_page = reverse("decisions:outcome", args=[awaiting.public_id])
    clock.set(approval.due_at + datetime.timedelta(hours=3))
    decide(client_for(people.manager), awaiting, "approve", "Agreed, late: I was in court")
    page = client_for(people.practitioner).get(on_time_page).content.decode()
    assert 'id="decided-late">Approved late<' in page and "After its limit:" in page
    event = awaiting.events.get(kind=DecisionEvent.Kind.APPROVED)
    assert event.payload["late"] is True and event.payload["due_at"] == approval.due_at.isoformat()
