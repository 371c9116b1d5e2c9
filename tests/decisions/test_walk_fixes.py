"""The walk bugs seen in a real browser and the hardening points, through the test client."""

import re
import uuid

import pytest

from isg.decisions import services
from isg.decisions.models import Decision, DecisionEvent
from tests.factories import make_user

from .helpers import answer_current, answer_data, errors, start_data, start_decision, walk

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def step_url(decision, index=None, node=None):
    decision.refresh_from_db()
    index = len(decision.path) if index is None else index
    return f"/decisions/{decision.public_id}/steps/{index}/{node or decision.current_node}/"


def summary_rows(page: str) -> list[tuple[str, str]]:
    """(question, value text) for each row of the page's summary list."""
    rows = re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', page, re.S)
    return [(q.strip(), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", v)).strip()) for q, v in rows]


# -- the tab title after an htmx swap ---------------------------------------------------------


def test_an_htmx_fragment_carries_its_title_at_the_top_level_where_htmx_takes_it(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.post(step_url(decision), answer_data("emergency_check", "no", revision=decision.revision), headers=HX)
    page = response.content.decode()
    # htmx only takes a <title> that is a top-level node of the fragment; inside the swapped div it lands in the body.
    assert page.lstrip().startswith("<title>"), page[:200]
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert title.endswith("– Information Sharing Guide") and not title.startswith("Error:")
    assert page.index("</title>") < page.index('id="question-step"')


def test_an_htmx_fragment_with_errors_keeps_the_error_prefix_in_its_title(signed_in):
    decision = start_decision(signed_in)
    page = signed_in.post(step_url(decision), {"revision": decision.revision}, headers=HX).content.decode()
    assert re.match(r"\s*<title>Error: ", page)
    first = signed_in.post("/decisions/new/", {"summary": "x"}, headers=HX).content.decode()
    assert re.match(r"\s*<title>Error: What is happening\?", first)


def test_a_full_page_has_one_title_in_the_head_only(signed_in):
    decision = start_decision(signed_in)
    page = signed_in.get(step_url(decision)).content.decode()
    assert page.count("<title>") == 1 and page.index("<title>") < page.index("<body")


# -- revision required; urgent pressed once ----------------------------------------------------


def test_a_step_post_without_revision_is_refused_not_taken_as_current(signed_in):
    decision = start_decision(signed_in)
    before = (decision.revision, decision.path)
    data = answer_data("emergency_check", "no")
    assert "revision" not in data
    response = signed_in.post(step_url(decision), data)
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.revision, decision.path) == before
    assert "changed in another window or tab" in signed_in.get(response["Location"]).content.decode()


def test_an_urgent_post_without_revision_is_refused(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    response = signed_in.post(f"/decisions/{decision.public_id}/urgent/press/", {})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert not decision.is_emergency and decision.current_node == "purpose"
    assert not decision.events.filter(kind=DecisionEvent.Kind.URGENT).exists()


def test_a_check_post_without_revision_is_refused(signed_in):
    decision = walk(signed_in, ["requester_verified:yes", "emergency_check:no", "purpose:no"], start="asked_to_share")
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.is_draft


def test_pressing_urgent_again_adds_nothing(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "*:urgent"])
    path, events = list(decision.path), decision.events.count()
    response = signed_in.post(f"/decisions/{decision.public_id}/urgent/press/", {"revision": decision.revision})
    assert response["Location"] == f"/decisions/{decision.public_id}/urgent/"
    decision.refresh_from_db()
    assert decision.path == path and decision.events.count() == events
    assert [s["node"] for s in decision.path].count("*") == 1
    assert "already marked as an emergency" in signed_in.get(response["Location"]).content.decode()


def test_an_emergency_question_page_offers_no_second_urgent_button(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "*:urgent"])
    page = signed_in.get(step_url(decision)).content.decode()
    assert "/urgent/press/" not in page
    assert "Emergency record" in page


def test_the_urgent_route_shows_act_now_once_and_records_one_urgent_row(signed_in):
    guidance = signed_in.get("/decisions/urgent/").content.decode()
    assert "Act now" in guidance
    form = signed_in.get("/decisions/new/?urgent=1").content.decode()
    assert "You pressed the urgent button" in form and "/decisions/urgent/" not in form.split("<main")[1]
    response = signed_in.post("/decisions/new/?urgent=1", start_data("want_to_share", case_reference="URG-2"))
    decision = Decision.objects.get()
    question = signed_in.get(response["Location"]).content.decode()
    assert "Act now" not in question and "Who to contact now" not in question
    for pair in ["consent_from_whom:child_under_16", "minimum_necessary:all_relevant", "recipient_check:yes_social_care",
                 "secure_method:phone_then_written", "inform_person:will_inform"]:
        node, answer = pair.split(":")
        decision.refresh_from_db()
        assert decision.current_node == node
        assert answer_current(signed_in, decision, answer).status_code == 302
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    rows = summary_rows(check)
    urgent = [row for row in rows if "urgent button" in row[1]]
    assert len(urgent) == 1, rows
    assert "Urgent: someone is in danger now" not in urgent[0][0]  # the question is not the button's label again
    assert "cannot be undone" in urgent[0][1]
    assert check.count("Change<span") == len(rows) - 1  # every answer but the urgent press can be changed
    assert "govuk-summary-list__row--no-actions" in check


# -- not sure, then advice: the answer that stands --------------------------------------------


NOT_SURE_PATH = ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                 "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved", "confidential:yes"]


def test_after_not_sure_and_advice_the_check_page_shows_the_answer_that_stands_with_the_advice(signed_in):
    decision = walk(signed_in, NOT_SURE_PATH)
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    rows = summary_rows(check)
    confidential = [value for question, value in rows if "confidential" in question.lower()]
    assert len(confidential) == 1, rows
    assert confidential[0].startswith("Yes")
    assert "you first answered “I" in confidential[0] and "not sure”" in confidential[0].lower()
    assert "Sam Lead" in confidential[0] and "Share with social care" in confidential[0]
    assert not any(value.startswith(("Not sure", "I’m not sure", "I'm not sure")) for _, value in rows)
    assert not any(q.startswith("Who did you ask") or "advice" in q.lower() and "seek" in q.lower() for q, _ in rows)
    # The change link is the standing answer's own step.
    assert f"/decisions/{decision.public_id}/steps/8/confidential/?return=check" in check
    assert "/steps/6/confidential/?return=check" not in check


def test_unresolved_advice_stays_beside_not_sure(signed_in):
    decision = walk(signed_in, NOT_SURE_PATH[:5] + ["confidential:not_sure", "seek_advice:unresolved"])
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    rows = summary_rows(check)
    confidential = [value for question, value in rows if "confidential" in question.lower()]
    assert len(confidential) == 1
    assert "still not clear" in confidential[0] and "Sam Lead" in confidential[0]


def test_the_record_shows_the_answer_that_stands_too(signed_in):
    decision = walk(signed_in, NOT_SURE_PATH + ["consent_safe_to_ask:yes_unsafe", "harm_threshold:no_risk"])
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision,
                                                                           "review_owner": "Pat", "review_date": "1 1 2099"})
    assert response.status_code == 302, errors(response)
    page = signed_in.get(response["Location"]).content.decode()
    confidential = [value for question, value in summary_rows(page) if "confidential" in question.lower()]
    assert len(confidential) == 1 and confidential[0].startswith("Yes") and "Sam Lead" in confidential[0]


# -- starting once: the one-time token, and Back to the first page -----------------------------


def test_the_same_start_form_posted_twice_makes_one_draft(signed_in):
    data = start_data("want_to_share", case_reference="TWICE-1")
    first = signed_in.post("/decisions/new/", data)
    second = signed_in.post("/decisions/new/", data)
    assert Decision.objects.count() == 1
    decision = Decision.objects.get()
    assert first["Location"] == second["Location"] == f"/decisions/{decision.public_id}/steps/1/emergency_check/"
    assert "You had already started this decision" in signed_in.get(second["Location"]).content.decode()
    assert decision.events.filter(kind=DecisionEvent.Kind.STARTED).count() == 1


def test_a_start_post_without_its_one_time_token_makes_nothing(signed_in):
    data = start_data("want_to_share")
    del data["start_token"]
    response = signed_in.post("/decisions/new/", data)
    assert response.status_code == 200 and Decision.objects.count() == 0
    assert "This form was out of date, so nothing was saved" in response.content.decode()
    # A fresh token is offered so that continuing again works.
    token = re.search(r'name="start_token" value="([0-9a-f-]{36})"', response.content.decode()).group(1)
    signed_in.post("/decisions/new/", {**data, "start_token": token})
    assert Decision.objects.count() == 1


def test_a_token_raced_by_a_parallel_post_finds_the_first_draft(signed_in, practitioner, monkeypatch):
    """Two posts with one token pass the lookup together: the unique constraint makes the second find the first."""
    token = uuid.uuid4()
    first = start_decision(signed_in, case_reference="RACE-1", start_token=str(token))
    real_filter = Decision.objects.filter

    def blind_first_lookup(*args, **kwargs):
        query = real_filter(*args, **kwargs)
        return query.none() if kwargs.get("start_token") == token and "pk" not in kwargs else query

    monkeypatch.setattr(Decision.objects, "filter", blind_first_lookup)
    from isg.decisions.forms import StartForm
    from isg.flowchart.services import current_flowchart

    form = StartForm(start_data(case_reference="RACE-1", start_token=str(token)), node=current_flowchart().node("start"), state={})
    assert form.is_valid(), form.errors
    again = services.decision_start(owner=practitioner, case_reference="RACE-1", step=form.step(), start_token=token)
    assert again.pk == first.pk and again.already_started
    assert Decision.objects.count() == 1


def test_back_to_the_first_page_offers_the_draft_just_begun(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    page = signed_in.get("/decisions/new/").content.decode()
    assert "You have already started a decision for case reference CASE-001" in page
    assert f'href="/decisions/{decision.public_id}/steps/2/purpose/"' in page
    assert "Continue that decision" in page


def test_no_resume_offer_once_the_draft_is_recorded(signed_in):
    decision = walk(signed_in, ["requester_verified:yes", "emergency_check:no", "purpose:no"], start="asked_to_share")
    signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    decision.refresh_from_db()
    assert not decision.is_draft
    assert "You have already started a decision" not in signed_in.get("/decisions/new/").content.decode()


# -- another decision for this case, without the case reference in a URL ----------------------


def test_record_another_decision_carries_the_decision_id_not_the_case_reference(signed_in, client):
    decision = walk(signed_in, ["requester_verified:yes", "emergency_check:no", "purpose:no"], start="asked_to_share")
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    outcome = signed_in.get(response["Location"]).content.decode()
    link = re.search(r'href="(/decisions/new/\?[^"]*)">Record another decision for this case', outcome).group(1)
    assert "CASE-001" not in link and "case_reference" not in link
    assert link == f"/decisions/new/?another={decision.public_id}"
    page = signed_in.get(link).content.decode()
    assert 'name="case_reference" type="text" value="CASE-001"' in page
    assert "Another decision for this case" in page
    # Someone else's decision id prefills nothing; the old case_reference parameter is no longer read.
    client.force_login(make_user(username="other-practitioner"))
    assert "CASE-001" not in client.get(link).content.decode()
    assert 'value="LEAK-1"' not in signed_in.get("/decisions/new/?case_reference=LEAK-1").content.decode()


# -- optional fields and date hints -------------------------------------------------------------


def test_optional_record_details_are_marked_and_the_date_hint_comes_first(signed_in):
    decision = walk(signed_in, ["requester_verified:yes", "emergency_check:no", "purpose:no"], start="asked_to_share")
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    assert not decision.state.get("review_required")
    assert re.search(r'for="id_review_owner">[^<]*\(optional\)</label>', check)
    assert re.search(r'for="id_review_date">[^<]*\(optional\)</label>', check)
    assert re.search(r'id="id_review_date-hint" class="govuk-hint">[^<]*For example, \d{1,2} \d{1,2} \d{4}[^<]*</div>', check)
    assert "(optional) (optional)" not in check  # labels that say it already are not marked twice


def test_review_details_that_are_required_are_not_marked_optional_and_accept_the_hinted_format(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                                "consent_from_whom:adult_18_plus", "confidential:yes", "consent_safe_to_ask:no_safe",
                                "consent_practicable:yes", "adult_capacity_doubt:yes", "mca_support:not_yet"])
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    assert not re.search(r'for="id_review_owner">[^<]*\(optional\)', check)
    example = re.search(r"For example, (\d{1,2} \d{1,2} \d{4})", check).group(1)
    response = signed_in.post(f"/decisions/{decision.public_id}/check/",
                              {"revision": decision.revision, "review_owner": "Pat", "review_date": example})
    assert response.status_code == 302, errors(response)
