"""htmx enhances the same URLs: fragments for swaps, full pages for history restores."""

import pytest

from .helpers import answer_data, start_decision

pytestmark = pytest.mark.django_db


def test_a_question_renders_only_its_fragment_for_htmx(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.get(f"/decisions/{decision.public_id}/steps/1/emergency_check/", headers={"HX-Request": "true"})
    assert b"<html" not in response.content and b'id="question-step"' in response.content
    assert b"<title>" in response.content
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_full_page(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.get(
        f"/decisions/{decision.public_id}/steps/1/emergency_check/",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert b"<html" in response.content


def test_an_htmx_answer_returns_the_next_question_in_one_round_trip(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.post(
        f"/decisions/{decision.public_id}/steps/1/emergency_check/",
        answer_data("emergency_check", "no", revision=decision.revision), headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/decisions/{decision.public_id}/steps/2/purpose/"
    page = response.content.decode()
    assert 'id="question-step"' in page and "<html" not in page
    assert f'hx-post="/decisions/{decision.public_id}/steps/2/purpose/"' in page


def test_an_invalid_htmx_answer_returns_the_fragment_with_errors(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.post(f"/decisions/{decision.public_id}/steps/1/emergency_check/", {}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content and b"<html" not in response.content


def test_finishing_the_walk_with_htmx_navigates_fully_to_check_answers(signed_in):
    decision = start_decision(signed_in, "asked_to_share")
    for node, answer in [("requester_verified", "yes"), ("emergency_check", "no"), ("purpose", "no")]:
        decision.refresh_from_db()
        response = signed_in.post(
            f"/decisions/{decision.public_id}/steps/{len(decision.path)}/{node}/",
            answer_data(node, answer, revision=decision.revision), headers={"HX-Request": "true"},
        )
    assert response["HX-Redirect"].endswith("/check/")


def test_an_htmx_request_after_the_session_ends_navigates_to_sign_in(client):
    response = client.get("/decisions/new/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert client.get("/decisions/new/")["Location"].startswith("/accounts/login/")
