"""The "To do" page: each person sees only their own tasks, overdue first; marking one done records
who and when, on the decision's history, once."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from isg.approvals import services as approvals
from isg.decisions.models import DecisionEvent
from isg.followups.models import FollowUp
from tests.approvals.conftest import client_for, csrf_from, people, shared  # noqa: F401  (fixtures)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TODO = reverse("followups:todo")


@pytest.fixture
def officer(people):  # noqa: F811
    return make_user(username="dpo", first_name="Dee", last_name="Officer", role="data_protection_officer",
                     agency=people.agency, email="dpo@example.org")


@pytest.fixture
def breach(people, shared, officer, clock):  # noqa: F811
    """An approver disagreed with a share already made: the officer's breach assessment is open."""
    approvals.decide(shared, people.manager, "disagree", "Only the school needed to know", shared.revision)
    return FollowUp.objects.get(decision=shared, kind=FollowUp.Kind.BREACH_ASSESSMENT)


def complete_url(task: FollowUp) -> str:
    return reverse("followups:complete", args=[task.pk])


def test_the_owner_sees_their_task_with_its_decision_and_due_time(officer, breach):
    page = client_for(officer).get(TODO).content.decode()
    assert "Assess a possible personal data breach" in page
    assert f"Case reference {breach.decision.case_reference}" in page
    assert reverse("decisions:outcome", args=[breach.decision.public_id]) in page
    assert "Thursday 5 March 2026, 10:00" in page  # 72 hours after Monday 10:00 (the test clock)
    assert "Only the school needed to know" in page  # the reviewer's lessons, in what to do
    # The officer may open the decision the task is about (and only because of the task).
    assert client_for(officer).get(reverse("decisions:outcome", args=[breach.decision.public_id])).status_code == 200


def test_nobody_else_sees_it_or_can_complete_it(people, officer, breach):  # noqa: F811
    other_officer = make_user(username="dpo2", role="data_protection_officer", agency=people.other_agency)
    for user in (people.practitioner, people.manager, other_officer):
        client = client_for(user)
        page = client.get(TODO).content.decode()
        # The practitioner has their own task on this decision (telling the person), never the officer's.
        assert "Assess a possible personal data breach" not in page and f'id="follow-up-{breach.pk}"' not in page
        token = csrf_from(client, TODO)
        response = client.post(complete_url(breach), {"csrfmiddlewaretoken": token, "note": "Done it"})
        assert response.status_code == 404
    breach.refresh_from_db()
    assert breach.completed_at is None


def test_an_overdue_task_says_so(officer, breach, clock):
    clock.advance(hours=73)
    page = client_for(officer).get(TODO).content.decode()
    assert "1 overdue" in page and "Overdue</strong>" in page


def test_marking_done_needs_what_was_done_and_changes_nothing_without_it(officer, breach):
    client = client_for(officer)
    response = client.post(complete_url(breach), {"csrfmiddlewaretoken": csrf_from(client, TODO), "note": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter what was done" in page
    assert "<title>Error: To do" in page
    breach.refresh_from_db()
    assert breach.completed_at is None


def test_marking_done_records_who_and_when_on_the_decisions_history_once(officer, breach, clock):
    client = client_for(officer)
    token = csrf_from(client, TODO)
    note = "Not reportable: the school is a safeguarding partner; asked them to delete the GP letter."
    response = client.post(complete_url(breach), {"csrfmiddlewaretoken": token, "note": note})
    assert response.status_code in (302, 303) and response["Location"] == TODO
    breach.refresh_from_db()
    assert (breach.completed_by, breach.completed_at, breach.completion_note) == (officer, clock.now, note)
    page = client.get(TODO).content.decode()
    assert "Marked as done: assess a possible personal data breach." in page
    assert "Done recently" in page and "Nothing is waiting for you." in page
    events = breach.decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_COMPLETED)
    assert [(e.actor, e.payload["follow_up"]) for e in events] == [(officer, breach.pk)]

    # A second press (another tab) changes nothing and says why.
    clock.advance(minutes=5)
    again = client.post(complete_url(breach), {"csrfmiddlewaretoken": token, "note": "Again"}, follow=True)
    assert "It was already marked as done" in again.content.decode()
    breach.refresh_from_db()
    assert (breach.completed_at, breach.completion_note) == (clock.now - datetime.timedelta(minutes=5), note)
    assert events.count() == 1


def test_html_in_the_note_is_refused_or_kept_as_text(officer, breach):
    client = client_for(officer)
    client.post(complete_url(breach), {"csrfmiddlewaretoken": csrf_from(client, TODO),
                                       "note": "<script>alert(1)</script> checked"})
    page = client.get(TODO).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_the_page_is_only_for_people_who_can_own_tasks(people):  # noqa: F811
    trainer = make_user(username="trainer", role="trainer", agency=None)
    assert client_for(trainer).get(TODO).status_code == 403
    assert client_for(people.practitioner).get(TODO).status_code == 200
