"""Amendments: a correction added to a recorded decision, with a reason; the original never changes."""

import pytest
from django.test import Client

from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Amendment, DecisionEvent
from tests.factories import make_user

from .helpers import walk
from .test_history import recorded, text

pytestmark = pytest.mark.django_db

CORRECTION = {"reason": "The date of the incident was wrong", "text": "The bruising was seen on 2 March, not 1 March."}


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_amendment(client, decision, data):
    """Post the amendment form as a browser would: with the token from the page itself."""
    form = client.get(f"/decisions/{decision.public_id}/amend/")
    assert form.status_code == 200
    token = form.context["csrf_token"]
    return client.post(f"/decisions/{decision.public_id}/amend/", {"csrfmiddlewaretoken": str(token), **data})


def test_an_amendment_is_added_after_the_original_which_stays_as_it_was(signed_in, practitioner):
    decision = recorded(signed_in)
    original = (decision.path, decision.state, decision.record, decision.revision, decision.outcome)
    client = csrf_client(practitioner)
    response = post_amendment(client, decision, CORRECTION)
    assert response.status_code == 302
    assert response["Location"] == f"/decisions/{decision.public_id}/outcome/#amendments"
    decision.refresh_from_db()
    assert (decision.path, decision.state, decision.record, decision.revision, decision.outcome) == original
    amendment = Amendment.objects.get(decision=decision)
    assert (amendment.author, amendment.reason, amendment.text) == (practitioner, CORRECTION["reason"], CORRECTION["text"])
    event = decision.events.get(kind=DecisionEvent.Kind.AMENDED)
    assert event.payload == {"amendment_id": amendment.pk, **CORRECTION}
    assert history.verify_events().ok

    outcome = text(client.get(response["Location"]))
    amendments = outcome[outcome.index("Amendments"):]
    assert CORRECTION["reason"] in amendments and CORRECTION["text"] in amendments and "Pat Practitioner" in amendments
    assert outcome.index("Your record") < outcome.index("Amendments")  # under the original
    assert CORRECTION["text"] in text(client.get(f"/decisions/{decision.public_id}/history/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "", "text": "A correction"}, "Enter why the record needs correcting"),
        ({"reason": "   ", "text": "A correction"}, "Enter why the record needs correcting"),
        ({"reason": "Wrong date", "text": ""}, "Enter the correction"),
        ({"reason": "Wrong date", "text": "<script>alert(1)</script>"}, "Remove the HTML or other markup"),
        ({"reason": "Wrong \u202edate", "text": "A correction"}, "Remove the hidden text-direction characters"),
    ],
)
def test_an_amendment_needs_a_reason_and_plain_text(signed_in, practitioner, data, message):
    decision = recorded(signed_in)
    response = post_amendment(csrf_client(practitioner), decision, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert not Amendment.objects.exists()
    assert not decision.events.filter(kind=DecisionEvent.Kind.AMENDED).exists()


def test_an_amendment_without_the_csrf_token_is_refused(signed_in, practitioner):
    decision = recorded(signed_in)
    response = csrf_client(practitioner).post(f"/decisions/{decision.public_id}/amend/", CORRECTION)
    assert response.status_code == 403
    assert not Amendment.objects.exists()


def test_a_draft_is_changed_directly_not_amended(signed_in, practitioner):
    draft = walk(signed_in, ["emergency_check:no"])
    client = csrf_client(practitioner)
    response = client.get(f"/decisions/{draft.public_id}/amend/")
    assert response.status_code == 302 and "/steps/" in response["Location"]
    with pytest.raises(history.NotAmendable):
        history.amend(decision=draft, actor=practitioner, **CORRECTION)
    assert "Amend this decision" not in text(signed_in.get(f"/decisions/{draft.public_id}/check/"))


def test_the_owner_is_offered_the_amendment_link(signed_in):
    decision = recorded(signed_in)
    assert f'href="/decisions/{decision.public_id}/amend/"' in signed_in.get(f"/decisions/{decision.public_id}/outcome/").content.decode()


def test_only_the_owner_amends_not_even_their_line_manager(signed_in, practitioner):
    """Access follows responsibility (issue 16): a manager returns a decision with a question instead."""
    manager = make_user(role=User.Role.LINE_MANAGER, agency=practitioner.agency, first_name="Mo", last_name="Manager")
    practitioner.line_manager = manager
    practitioner.save()
    decision = recorded(signed_in)
    client = csrf_client(manager)
    assert client.get(f"/decisions/{decision.public_id}/amend/").status_code == 404
    response = client.post(f"/decisions/{decision.public_id}/amend/", CORRECTION)
    assert response.status_code in (403, 404)
    assert not Amendment.objects.exists()
    assert csrf_client(manager).get(f"/decisions/{decision.public_id}/outcome/").status_code == 200  # still reads it


@pytest.mark.parametrize("role", [User.Role.PRACTITIONER, User.Role.PARTNERSHIP, User.Role.TRAINER])
def test_nobody_else_may_amend(signed_in, role):
    decision = recorded(signed_in)
    other = make_user(role=role)
    client = csrf_client(other)
    client.get("/accounts/login/")
    assert client.get(f"/decisions/{decision.public_id}/amend/").status_code in (403, 404)
    with pytest.raises(PermissionError):
        history.amend(decision=decision, actor=other, **CORRECTION)
    assert not Amendment.objects.exists()


def test_an_amendment_is_never_edited_or_deleted(signed_in, practitioner):
    decision = recorded(signed_in)
    amendment = history.amend(decision=decision, actor=practitioner, **CORRECTION)
    amendment.text = "Rewritten"
    with pytest.raises(TypeError):
        amendment.save()
    with pytest.raises(TypeError):
        amendment.delete()
    assert Amendment.objects.get().text == CORRECTION["text"]
