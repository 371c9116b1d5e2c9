"""One demo share (`manage.py load_demo`): the agreed child referral, shared with children's social care
by the practitioner, who did not tell the mother for now. Made through the services, so it has its history."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from isg.decisions.models import Decision
from isg.directory.models import Organisation

from . import services

CASE_REFERENCE = "DEMO-109"  # isg/approvals/demo.py: a child referral shared at once, agreed on review


def load(made: list[Decision]) -> list[object]:
    """Record the demo share and telling on the agreed child referral, if the demo just made it."""
    decision = next((d for d in made if d.case_reference == CASE_REFERENCE), None)
    if decision is None:
        return []
    decision.refresh_from_db()
    social_care = Organisation.objects.active().filter(kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE).first()
    share = services.record_share(
        decision=decision, actor=decision.owner, token=uuid.uuid4(), shared_at=timezone.now(),
        organisation=social_care, recipient_name="" if social_care else "Children's social care",
        recipient_person="Duty and assessment social worker", method="secure_portal",
        what_shared="Dates and description of the bruising, and what the child said about it (demo)",
        withheld="Her older brother's school records: not needed for this referral", receipt_confirmed=True,
    )
    telling = services.record_telling(
        decision=decision, actor=decision.owner, token=uuid.uuid4(), told=False, not_told_reason="increases_risk",
        reconsider_by=timezone.localdate() + datetime.timedelta(days=14),
    )
    return [share, telling]
