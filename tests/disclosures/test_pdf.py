"""The PDF record keeps the plan and the facts apart: "Planned: …", then what was shared and who was told."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from isg.directory.models import Organisation
from isg.disclosures import services
from isg.records.pdf import render_decision_pdf
from tests.records.reading import attached_json, pages_text


def _text(decision, owner) -> str:
    return " ".join(pages_text(render_decision_pdf(decision, exported_by=owner).pdf))


def test_the_plan_is_labelled_as_the_plan_and_nothing_shared_is_said_plainly(recorded, owner):
    text = _text(recorded, owner)

    assert "Planned: with whom" in text and "Planned: whether the person will be told" in text
    assert "What was shared No share has been recorded." in text
    assert "Who was told Not recorded." in text


def test_each_share_and_who_was_told_are_in_the_record(recorded, owner):
    social_care = Organisation.objects.create(name="Riverside Children's Services",
                                              kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE)
    services.record_share(
        decision=recorded, actor=owner, token=uuid.uuid4(), shared_at=timezone.now(), organisation=social_care,
        recipient_person="Duty and Assessment Team", method="secure_email",
        what_shared="Dates and photographs of the bruising", withheld="Her brother's records", receipt_confirmed=True,
    )
    services.record_telling(decision=recorded, actor=owner, token=uuid.uuid4(), told=False,
                            not_told_reason="prejudices_investigation",
                            reconsider_by=timezone.localdate() + datetime.timedelta(days=10))

    rendered = render_decision_pdf(recorded, exported_by=owner)
    text = " ".join(pages_text(rendered.pdf))
    assert "Riverside Children's Services" in text and "Duty and Assessment Team" in text
    assert "Dates and photographs of the bruising" in text and "Held back: Her brother's records" in text
    assert "Receipt confirmed: yes" in text
    assert "The person has not been told: Telling them would be likely to prejudice" in text
    record = attached_json(rendered.pdf)
    assert record["shares"][0]["method"] == "secure_email"
    assert record["telling"]["not_told_reason"] == "prejudices_investigation"


def test_the_newest_telling_is_current_and_the_earlier_one_is_kept(recorded, owner):
    services.record_telling(decision=recorded, actor=owner, token=uuid.uuid4(), told=False,
                            not_told_reason="cannot_contact",
                            reconsider_by=timezone.localdate() + datetime.timedelta(days=10))
    services.record_telling(decision=recorded, actor=owner, token=uuid.uuid4(), told=True,
                            told_on=timezone.localdate(), told_by="Priya Shah", how="in_person")

    text = _text(recorded, owner)
    today = timezone.localdate()
    assert f"The person was told on {today.day} {today:%B %Y} by Priya Shah (in person)" in text
    assert "Earlier records, newest first" in text and "not told (They cannot be contacted" in text


def test_the_record_adds_two_queries_however_many_shares(recorded, owner):
    from isg.records.record import decision_record

    social_care = Organisation.objects.create(name="Riverside Children's Services",
                                              kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE)
    decision_record(recorded)  # warm the flowchart caches
    for _ in range(3):
        services.record_share(
            decision=recorded, actor=owner, token=uuid.uuid4(), shared_at=timezone.now(), organisation=social_care,
            recipient_person="Duty team", method="phone", what_shared="The concern")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        decision_record(recorded)
    share_queries = [q for q in queries.captured_queries if "disclosures_" in q["sql"]]
    assert len(share_queries) == 2
