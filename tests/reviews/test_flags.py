"""A partnership officer flags a decision for audit or learning review, with a note, and clears it
with a note (issue 15). The partnership and the line managers of the decision's agency see the flag
on the decision page and its history; it is on the audit chain; the register filters on it."""

from __future__ import annotations

import re

import pytest

from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.decisions.models import DecisionEvent
from isg.reviews import services
from isg.reviews.models import ReviewFlag
from tests.approvals.conftest import client_for, csrf_from, make_people, submitted
from tests.factories import make_decision, make_user

pytestmark = pytest.mark.django_db

NOTE = "Consent was recorded as refused but the share went ahead: look at the threshold"
CLEARED = "Reviewed at the audit panel: the threshold was met and recorded"


@pytest.fixture
def people(db, clock):
    return make_people()


@pytest.fixture
def officer(db):
    return make_user(username="lscb", first_name="Lee", last_name="Scott", role=User.Role.PARTNERSHIP, agency=None)


@pytest.fixture
def decision(people):
    return submitted(people.practitioner)


def outcome(decision) -> str:
    return f"/decisions/{decision.public_id}/outcome/"


def history(decision) -> str:
    return f"/decisions/{decision.public_id}/history/"


def post(client, url: str, data: dict, decision):
    return client.post(url, {"csrfmiddlewaretoken": csrf_from(client, outcome(decision)), **data})


def flag_page(decision) -> str:
    return f"/reviews/{decision.public_id}/flag/"


def clear_page(decision) -> str:
    return f"/reviews/{decision.public_id}/clear/"


def test_the_partnership_flags_a_decision_and_the_agencys_managers_see_it(people, officer, decision):
    lscb = client_for(officer)
    page = lscb.get(outcome(decision)).content.decode()
    assert "Not flagged for audit or learning review" in page and flag_page(decision) in page

    response = post(lscb, flag_page(decision), {"purpose": "learning", "note": NOTE}, decision)
    assert response.status_code in (302, 303)
    assert response["Location"] == outcome(decision) + "#review-flags"

    [review_flag] = ReviewFlag.objects.all()
    assert review_flag.is_open and review_flag.raised_by == officer and review_flag.purpose == "learning"
    for reader in (officer, people.manager):
        page = client_for(reader).get(outcome(decision)).content.decode()
        assert "Flagged: Learning review" in page and NOTE in page and "Lee Scott" in page
        assert "Flag this decision for review" in page if reader == officer else "Flag this decision" not in page


def test_the_practitioner_and_other_agencies_never_see_a_flag(people, officer, decision):
    services.flag(decision, officer, purpose="audit", note=NOTE)
    owner = client_for(people.practitioner)
    assert NOTE not in owner.get(outcome(decision)).content.decode()
    assert "Flags for review" not in owner.get(outcome(decision)).content.decode()
    owner_history = owner.get(f"{history(decision)}?views=shown").content.decode()
    assert NOTE not in owner_history and "Flagged for review" not in owner_history
    # A manager elsewhere cannot open the decision at all.
    assert client_for(people.outsider).get(outcome(decision)).status_code == 404


def test_the_flag_and_its_clearing_are_on_the_history_and_the_audit_chain(people, officer, decision):
    review_flag = services.flag(decision, officer, purpose="audit", note=NOTE)
    lscb = client_for(officer)
    response = post(lscb, clear_page(decision), {"flag": review_flag.pk, "note": CLEARED}, decision)
    assert response.status_code in (302, 303)
    review_flag.refresh_from_db()
    assert not review_flag.is_open and review_flag.cleared_by == officer

    for reader in (officer, people.manager):
        page = client_for(reader).get(history(decision)).content.decode()
        assert "Flagged for review" in page and NOTE in page
        assert "Review flag cleared" in page and CLEARED in page
    page = lscb.get(outcome(decision)).content.decode()
    assert "Cleared: Audit" in page and CLEARED in page

    chained = AuditEvent.objects.filter(subject_id=str(decision.public_id),
                                        action__in=["review_flagged", "review_flag_cleared"]).order_by("seq")
    assert [e.action for e in chained] == ["review_flagged", "review_flag_cleared"]
    for entry in chained:
        assert NOTE not in str(entry.payload) and CLEARED not in str(entry.payload)  # the chain keeps the digest
    assert decision.events.filter(kind=DecisionEvent.Kind.REVIEW_FLAG_CLEARED).get().payload["review_flag"] == review_flag.pk


def test_a_note_is_required_in_plain_words_and_nothing_changes(officer, decision):
    lscb = client_for(officer)
    for note in ("", "   ", "Look at this\x1b[31m"):
        response = post(lscb, flag_page(decision), {"purpose": "audit", "note": note}, decision)
        assert response.status_code == 400
        assert "govuk-error-summary" in response.content.decode()
    missing = post(lscb, flag_page(decision), {"note": NOTE}, decision)
    assert "Select what the flag is for" in missing.content.decode()
    assert not ReviewFlag.objects.exists()
    assert not decision.events.filter(kind=DecisionEvent.Kind.REVIEW_FLAGGED).exists()
    with pytest.raises(services.NoteRequired):
        services.flag(decision, officer, purpose="audit", note=" ")


def test_flagging_twice_flags_once_and_clearing_twice_clears_once(officer, decision):
    lscb = client_for(officer)
    post(lscb, flag_page(decision), {"purpose": "audit", "note": NOTE}, decision)
    second = post(lscb, flag_page(decision), {"purpose": "audit", "note": NOTE}, decision)
    assert second.status_code in (302, 303)
    assert "already flagged" in lscb.get(second["Location"]).content.decode()
    [review_flag] = ReviewFlag.objects.all()
    assert decision.events.filter(kind=DecisionEvent.Kind.REVIEW_FLAGGED).count() == 1

    post(lscb, clear_page(decision), {"flag": review_flag.pk, "note": CLEARED}, decision)
    with pytest.raises(services.AlreadyCleared):
        services.clear(decision, officer, flag_id=review_flag.pk, note=CLEARED)
    again = post(lscb, clear_page(decision), {"flag": review_flag.pk, "note": CLEARED}, decision)
    assert again.status_code in (302, 303)
    assert decision.events.filter(kind=DecisionEvent.Kind.REVIEW_FLAG_CLEARED).count() == 1
    # Cleared, it may be flagged again.
    services.flag(decision, officer, purpose="audit", note=NOTE)
    assert ReviewFlag.objects.open().count() == 1


def test_a_flag_of_another_decision_cannot_be_cleared_through_this_one(people, officer, decision):
    other = submitted(people.practitioner, "outcome_do_not_share")
    theirs = services.flag(other, officer, purpose="audit", note=NOTE)
    services.flag(decision, officer, purpose="learning", note=NOTE)
    response = post(client_for(officer), clear_page(decision), {"flag": theirs.pk, "note": CLEARED}, decision)
    assert response.status_code == 400
    assert "that flag is not open" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.is_open


def test_only_partnership_staff_flag_or_clear(people, officer, decision):
    for someone in (people.practitioner, people.manager, people.boss):
        client = client_for(someone)
        assert client.get(flag_page(decision)).status_code in (403, 404)
        assert client.get(clear_page(decision)).status_code in (403, 404)
        with pytest.raises(services.NotAllowed):
            services.flag(decision, someone, purpose="audit", note=NOTE)
    assert not ReviewFlag.objects.exists()
    draft = make_decision(people.practitioner, upto=2)
    assert client_for(officer).get(flag_page(draft)).status_code == 404


def test_the_register_filters_flagged_for_review(people, officer, decision):
    other = submitted(people.practitioner, "outcome_do_not_share")
    review_flag = services.flag(decision, officer, purpose="audit", note=NOTE)
    lscb = client_for(officer)
    rows = re.findall(r'data-decision="([0-9a-f-]{36})"', lscb.get("/register/", {"review": "yes"}).content.decode())
    assert rows == [str(decision.public_id)]
    everything = re.findall(r'data-decision="([0-9a-f-]{36})"', lscb.get("/register/").content.decode())
    assert set(everything) == {str(decision.public_id), str(other.public_id)}
    page = lscb.get("/register/", {"review": "yes"}).content.decode()
    assert "Flagged for review only" in page  # in "Filtered by"
    services.clear(decision, officer, flag_id=review_flag.pk, note=CLEARED)
    assert "data-decision=" not in lscb.get("/register/", {"review": "yes"}).content.decode()
    bad = lscb.get("/register/", {"review": "maybe"})
    assert "can only be ticked or not" in bad.content.decode()
