"""Retention: a decision past its date loses the words of what was shared and who was told, and keeps the facts."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.disclosures import services
from isg.disclosures.models import Share, Telling
from isg.followups.models import FollowUp
from isg.retention import services as retention
from tests.factories import make_decision

from .conftest import share_values

CANARY = "CANARY-Jamie-Smith-07700900123"


def test_retention_blanks_the_words_and_keeps_the_codes(people, clock, social_care):
    decision = make_decision(people.practitioner, "outcome_share_with_consent", submit=True)
    clock.advance(hours=1)
    services.record_share(decision=decision, actor=people.practitioner, **share_values(
        social_care, recipient_person=f"{CANARY} duty worker", what_shared=f"{CANARY} bruising",
        withheld=f"{CANARY} records"))
    services.record_telling(decision=decision, actor=people.practitioner, token=uuid.uuid4(), told=False,
                            not_told_reason="other", agreed_by=f"{CANARY} DPO",
                            reconsider_by=timezone.localdate() + datetime.timedelta(days=7))
    long_ago = timezone.now() - datetime.timedelta(days=365 * 40)
    Decision.objects.filter(pk=decision.pk).update(submitted_at=long_ago)
    # Retention leaves a decision whole while a task on it is open: the reconsider-by task is done.
    assert retention.apply().total == 0
    FollowUp.objects.filter(decision=decision).update(completed_at=timezone.now(), completed_by=people.practitioner)

    result = retention.apply()

    assert result.total == 1
    share, telling = Share.objects.get(), Telling.objects.get()
    assert (share.recipient_person, share.what_shared, share.withheld) == ("", "", "")
    assert share.organisation == social_care and share.method == "secure_email"
    assert telling.agreed_by == "" and telling.not_told_reason == "other" and telling.reconsider_by is not None
    for event in decision.events.filter(kind__in=[DecisionEvent.Kind.SHARE_RECORDED, DecisionEvent.Kind.TELLING_RECORDED]):
        assert CANARY not in str(event.payload)
        assert "share" in event.payload or event.payload["not_told_reason"] == "other"
    assert history.verify_events().ok
