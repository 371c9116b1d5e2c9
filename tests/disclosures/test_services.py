"""Recording what was shared and who was told: the rule, the refusals, the history and the follow-up."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from isg.approvals.models import Approval
from isg.audit.models import AuditEvent
from isg.decisions.models import Decision, DecisionEvent
from isg.disclosures import services
from isg.disclosures.models import Share, Telling
from isg.followups.models import FollowUp
from tests.factories import make_decision

from .conftest import share_values

Status = Decision.Status


def test_a_referral_shared_at_once_records_a_share_on_the_history_and_the_audit_chain(people, shared, social_care):
    share = services.record_share(decision=shared, actor=people.practitioner, **share_values(social_care))

    assert share.recipient == "Bath Children's Social Care"
    event = shared.events.get(kind=DecisionEvent.Kind.SHARE_RECORDED)
    assert event.payload["share"] == share.pk and event.payload["method"] == "secure_email"
    assert ["What was shared", "Dates and description of the bruising"] in event.payload["details"]
    assert AuditEvent.objects.filter(action="share_recorded", subject_id=str(shared.public_id)).count() == 1


def test_several_shares_are_kept_in_the_order_made(people, shared, social_care):
    now = timezone.now()
    services.record_share(decision=shared, actor=people.practitioner,
                          **share_values(None, recipient_name="Avon Police", shared_at=now - datetime.timedelta(minutes=1)))
    services.record_share(decision=shared, actor=people.practitioner,
                          **share_values(social_care, shared_at=now - datetime.timedelta(minutes=30)))

    assert [s.recipient for s in services.disclosures_for(shared).shares] == ["Bath Children's Social Care", "Avon Police"]


def test_a_repeated_post_of_the_same_form_records_one_share(people, shared, social_care):
    values = share_values(social_care)
    first = services.record_share(decision=shared, actor=people.practitioner, **values)
    second = services.record_share(decision=shared, actor=people.practitioner, **values)

    assert second.pk == first.pk and second.already_recorded
    assert Share.objects.count() == 1
    assert shared.events.filter(kind=DecisionEvent.Kind.SHARE_RECORDED).count() == 1


def test_only_the_owner_records_a_share(people, shared, social_care):
    for someone in (people.manager, people.outsider_practitioner):
        with pytest.raises(services.NotOwner):
            services.record_share(decision=shared, actor=someone, **share_values(social_care))
    assert not Share.objects.exists()


@pytest.mark.parametrize("when, message", [
    (datetime.timedelta(hours=1), "must be today or in the past"),
    (-datetime.timedelta(days=3), "after the decision was started"),
])
def test_a_share_in_the_future_or_before_the_decision_began_is_refused(people, shared, social_care, when, message):
    with pytest.raises(services.InvalidShare) as refused:
        services.record_share(decision=shared, actor=people.practitioner,
                              **share_values(social_care, shared_at=timezone.now() + when))
    assert message in refused.value.errors["shared_at"]
    assert not Share.objects.exists()


def test_a_share_needs_a_recipient(people, shared):
    with pytest.raises(services.InvalidShare) as refused:
        services.record_share(decision=shared, actor=people.practitioner, **share_values(None, recipient_person=""))
    assert set(refused.value.errors) == {"organisation", "recipient_person"}


def test_before_the_approval_a_share_is_refused_with_a_clear_message(people, waiting, social_care):
    with pytest.raises(services.SharingNotAllowed) as refused:
        services.record_share(decision=waiting, actor=people.practitioner, **share_values(social_care))

    assert "has not approved sharing yet" in refused.value.message and refused.value.emergency_possible
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_APPROVAL and not Share.objects.exists()


def test_once_approved_the_share_is_recorded(people, approved, social_care):
    services.record_share(decision=approved, actor=people.practitioner, **share_values(social_care))
    assert approved.shares.count() == 1


def test_an_emergency_share_before_approval_turns_the_approval_into_a_review_after_sharing(
        people, waiting, social_care, mailoutbox):
    share = services.record_share(decision=waiting, actor=people.practitioner,
                                  **share_values(social_care, emergency_reason="She was going home to him tonight"))

    waiting.refresh_from_db()
    assert share.emergency and share.emergency_reason == "She was going home to him tonight"
    assert waiting.status == Status.AWAITING_REVIEW and waiting.approval_mode == "after_sharing"
    approval = Approval.objects.get(decision=waiting)
    assert approval.mode == "after_sharing" and approval.due_at is not None
    kinds = list(waiting.events.values_list("kind", flat=True))
    assert kinds[-2:] == [DecisionEvent.Kind.SHARED_BEFORE_APPROVAL, DecisionEvent.Kind.SHARE_RECORDED]
    assert any(people.manager.email in m.to for m in mailoutbox)
    # The manager now reviews it after sharing: agree, return or disagree, never "do not approve".
    from isg.approvals import services as approvals

    assert {a.id for a in approvals.answers_for(waiting)} >= {"agree"}


@pytest.mark.parametrize("outcome, allowed", [
    ("outcome_share_with_consent", True),
    ("outcome_share_no_consent_needed", True),
    ("outcome_do_not_share", False),
])
def test_outcomes_with_no_approval_share_only_when_the_outcome_shares(people, clock, outcome, allowed):
    decision = make_decision(people.practitioner, outcome, submit=True)
    assert services.sharing_allowed(decision).allowed is allowed


def test_not_approved_and_drafts_do_not_allow_sharing(people, clock):
    draft = make_decision(people.practitioner, "outcome_share_with_consent")
    assert not services.sharing_allowed(draft).allowed
    refused = make_decision(people.practitioner, "public_interest_share", submit=True)
    from isg.approvals import services as approvals

    approvals.not_approve(refused, people.manager, "Not proportionate", refused.revision)
    refused.refresh_from_db()
    permission = services.sharing_allowed(refused)
    assert not permission.allowed and not permission.emergency_possible


def test_not_told_opens_a_follow_up_to_reconsider_for_the_owner(people, shared):
    reconsider = timezone.localdate() + datetime.timedelta(days=14)
    telling = services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=False,
                                      not_told_reason="increases_risk", reconsider_by=reconsider)

    follow_up = FollowUp.objects.get(decision=shared, kind=FollowUp.Kind.RECONSIDER_TELLING)
    assert telling.follow_up == follow_up and follow_up.owner == people.practitioner
    assert timezone.localtime(follow_up.due_at).date() == reconsider
    event = shared.events.get(kind=DecisionEvent.Kind.TELLING_RECORDED)
    assert event.payload["not_told_reason"] == "increases_risk" and event.payload["told"] is False
    assert AuditEvent.objects.filter(action="telling_recorded", subject_id=str(shared.public_id)).exists()


def test_the_reasons_not_to_tell_are_the_flowcharts_own(shared):
    ids = [reason for reason, _ in services.not_told_reasons(shared)]
    assert ids == ["increases_risk", "prejudices_investigation", "cannot_contact", "other"]


def test_another_reason_needs_who_agreed_and_a_reconsider_date(people, shared):
    with pytest.raises(services.InvalidShare) as refused:
        services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=False,
                                not_told_reason="other")
    assert set(refused.value.errors) == {"agreed_by", "reconsider_by"}
    assert not Telling.objects.exists()


def test_told_after_all_becomes_current_and_the_earlier_record_is_kept(people, shared):
    services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=False,
                            not_told_reason="prejudices_investigation",
                            reconsider_by=timezone.localdate() + datetime.timedelta(days=7))
    services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=True,
                            told_on=timezone.localdate(), told_by="Pat Practitioner", how="phone")

    found = services.disclosures_for(shared)
    assert found.telling.told and found.telling.how == "phone"
    assert [t.not_told_reason for t in found.earlier_tellings] == ["prejudices_investigation"]
    assert found.earlier_tellings[0].reason_label.startswith("Telling them would be likely to prejudice")


def test_told_in_the_future_is_refused(people, shared):
    with pytest.raises(services.InvalidShare) as refused:
        services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=True,
                                told_on=timezone.localdate() + datetime.timedelta(days=1), told_by="Me", how="phone")
    assert "today or in the past" in refused.value.errors["told_on"]


def test_only_the_owner_records_who_was_told(people, shared):
    with pytest.raises(services.NotOwner):
        services.record_telling(decision=shared, actor=people.manager, token=uuid.uuid4(), told=True,
                                told_on=timezone.localdate(), told_by="Me", how="phone")


def test_shares_and_tellings_are_never_edited_or_deleted(people, shared, social_care):
    share = services.record_share(decision=shared, actor=people.practitioner, **share_values(social_care))
    with pytest.raises(TypeError):
        share.save()
    with pytest.raises(TypeError):
        share.delete()


def test_told_after_all_completes_the_task_to_reconsider(people, shared):
    services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=False,
                            not_told_reason="increases_risk",
                            reconsider_by=timezone.localdate() + datetime.timedelta(days=7))
    services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=True,
                            told_on=timezone.localdate(), told_by="Pat Practitioner", how="in_person")

    task = FollowUp.objects.get(decision=shared, kind=FollowUp.Kind.RECONSIDER_TELLING)
    assert not task.is_open and task.completion_note == "Recorded that the person was told."
    assert not FollowUp.objects.open().filter(decision=shared).exclude(kind=FollowUp.Kind.BREACH_ASSESSMENT).exists()


def test_a_new_reconsider_date_replaces_the_open_task(people, shared):
    for days in (7, 21):
        services.record_telling(decision=shared, actor=people.practitioner, token=uuid.uuid4(), told=False,
                                not_told_reason="increases_risk",
                                reconsider_by=timezone.localdate() + datetime.timedelta(days=days))

    tasks = FollowUp.objects.filter(decision=shared, kind=FollowUp.Kind.RECONSIDER_TELLING).order_by("id")
    assert [t.is_open for t in tasks] == [False, True]
    assert timezone.localtime(tasks[1].due_at).date() == timezone.localdate() + datetime.timedelta(days=21)
