"""The dates a submitted record names become tasks on someone's To do page: opened once, moved
(and the move recorded) when a resubmission changes a date, never opened twice."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from isg.approvals import services as approvals
from isg.approvals.submission import decision_submit
from isg.decisions import services as decisions
from isg.decisions.models import DecisionEvent
from isg.followups import services as followups
from isg.followups.models import FollowUp
from tests.approvals.conftest import client_for, people, ready_to_submit  # noqa: F401  (fixtures)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LONDON = datetime.UTC  # 1 January and 2 March are GMT: UK time is UTC


def submit(decision, actor, **record):
    decision.refresh_from_db()
    if record:
        decisions.decision_save_record(decision=decision, actor=actor, record={**decision.record, **record},
                                       revision=decision.revision)
        decision.refresh_from_db()
    decision_submit(decision=decision, actor=actor, revision=decision.revision)
    decision.refresh_from_db()
    return decision


def test_telling_the_person_by_a_date_is_the_practitioners_task_once_the_sharing_is_approved(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner)
    assert not FollowUp.objects.filter(decision=decision).exists()  # waiting for approval: nothing shared yet
    approvals.approve(decision, people.manager, "Proportionate", decision.revision)
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.INFORM)
    assert task.owner == people.practitioner
    assert task.due_at == datetime.datetime(2099, 1, 1, 17, 0, tzinfo=LONDON)
    assert "I will tell her mother by phone" in task.description
    event = decision.events.get(kind=DecisionEvent.Kind.FOLLOW_UP_OPENED)
    assert event.payload["source"] == "inform_by" and event.payload["follow_up"] == task.pk
    page = client_for(people.practitioner).get(reverse("followups:todo")).content.decode()
    assert "Tell the person what was shared" in page and "Thursday 1 January 2099, 17:00" in page


def test_a_decision_not_approved_has_nobody_to_tell(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner)
    approvals.not_approve(decision, people.manager, "Not proportionate", decision.revision,
                          review_date=datetime.date(2026, 4, 1))
    assert list(FollowUp.objects.filter(decision=decision).values_list("kind", flat=True)) == ["review"]


def test_shared_at_once_the_task_opens_at_submission(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner, "child_referral_after_sharing"), people.practitioner)
    assert decision.status == "awaiting_review"
    assert FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.INFORM).owner == people.practitioner


def test_the_review_goes_to_the_person_named_when_the_app_knows_them(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner,
                      review_owner="  margaret   hughes ", review_date="2026-06-01")
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW)
    assert task.owner == people.manager
    assert task.due_at == datetime.datetime(2026, 6, 1, 16, 0, tzinfo=datetime.UTC)  # 17:00 BST
    assert "margaret   hughes" in task.description
    page = client_for(people.manager).get(reverse("followups:todo")).content.decode()
    assert "Review the decision" in page and decision.case_reference in page


@pytest.mark.parametrize("named", ["Sam Lead, designated safeguarding lead", "Olive Outsider", ""])
def test_a_reviewer_the_app_cannot_name_leaves_the_review_with_the_practitioner(people, clock, named):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner,
                      review_owner=named, review_date="2026-06-01")
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW)
    assert task.owner == people.practitioner  # Olive is in another agency: not this decision's reviewer


def test_someone_without_a_to_do_page_is_not_made_the_reviewer(people, clock):  # noqa: F811
    make_user(username="ada", first_name="Ada", last_name="Admin", role="admin", agency=people.agency)
    decision = submit(ready_to_submit(people.practitioner), people.practitioner,
                      review_owner="Ada Admin", review_date="2026-06-01")
    assert FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW).owner == people.practitioner


def test_two_people_with_the_same_name_name_nobody(people, clock):  # noqa: F811
    make_user(username="margaret2", first_name="Margaret", last_name="Hughes", agency=people.agency)
    decision = submit(ready_to_submit(people.practitioner), people.practitioner,
                      review_owner="Margaret Hughes", review_date="2026-06-01")
    assert FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW).owner == people.practitioner


def test_no_date_no_task(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner, "child_referral_after_sharing"), people.practitioner,
                      follow_up="Pat will ring the school on Friday")
    assert list(FollowUp.objects.filter(decision=decision).values_list("kind", flat=True)) == ["inform"]


def returned_and_resubmitted(people, decision, **record):  # noqa: F811
    decision.refresh_from_db()
    approvals.return_for_information(decision, people.manager, "Which school?", decision.revision)
    decision.refresh_from_db()
    approvals.answer_return(decision, people.practitioner, "Kingsmead", decision.revision)
    return submit(decision, people.practitioner, **record)


def test_a_resubmission_opens_nothing_twice(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner, review_date="2026-06-01")
    decision = returned_and_resubmitted(people, decision)
    decision.refresh_from_db()
    approvals.approve(decision, people.manager, "Proportionate", decision.revision)
    assert FollowUp.objects.filter(decision=decision).count() == 2  # review, then inform once approved
    assert decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_OPENED).count() == 2
    assert not decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_MOVED).exists()


def test_a_resubmission_that_changes_the_date_moves_the_open_task_and_says_so(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner, review_date="2026-06-01")
    decision = returned_and_resubmitted(people, decision, review_date="2026-07-01")
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW)
    assert task.due_at.date() == datetime.date(2026, 7, 1)
    moved = decision.events.get(kind=DecisionEvent.Kind.FOLLOW_UP_MOVED)
    assert moved.payload["follow_up"] == task.pk
    assert moved.payload["moved_from"].startswith("2026-06-01") and moved.payload["due_at"].startswith("2026-07-01")


def test_a_completed_task_is_neither_reopened_nor_moved(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner), people.practitioner, review_date="2026-06-01")
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.REVIEW)
    followups.complete(task, people.practitioner, note="Reviewed early with the team")
    decision = returned_and_resubmitted(people, decision, review_date="2026-07-01")
    task.refresh_from_db()
    assert task.completed_at is not None and task.due_at.date() == datetime.date(2026, 6, 1)
    assert FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.REVIEW).count() == 1


def test_calling_it_again_changes_nothing(people, clock):  # noqa: F811
    decision = submit(ready_to_submit(people.practitioner, "child_referral_after_sharing"), people.practitioner)
    assert followups.open_from_record(decision, people.practitioner) == []
    assert FollowUp.objects.filter(decision=decision).count() == 1
