import pytest

from isg.casestudies.forms import WRONG_QUESTION
from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart

TRAIN = "/case-studies/cs13/walks/main/train/"
CS13_MODEL = [
    ("start", "want_to_share"), ("emergency_check", "no"), ("purpose", "yes"), ("statutory_duty", "no_or_power_only"),
    ("identifiable", "yes"), ("consent_from_whom", "adult_18_plus"), ("confidential", "yes"), ("consent_safe_to_ask", "no_safe"),
    ("consent_practicable", "yes"), ("adult_capacity_doubt", "no"), ("consent_outcome", "refused"),
    ("harm_threshold", "no_risk"),
]


def answer_label(answer_id):
    return current_flowchart().node("harm_threshold").answer(answer_id).label


def step_url(number):
    return f"{TRAIN}steps/{number}/"


def stored(client):
    return client.session.get("training", {}).get("cs13/main", [])


def answer(client, number, node, answer_id, **kwargs):
    return client.post(step_url(number), {"node": node, "answer": answer_id}, **kwargs)


def walk(client, overrides=None):
    """Answer cs13 until the flowchart ends: the model answers, except `overrides` by node, and
    otherwise the first answer offered that is not "I'm not sure". Returns the results page."""
    overrides = overrides or {}
    model = dict(CS13_MODEL)
    response = client.get(TRAIN, follow=True)
    for _ in range(60):
        if "comparison" in response.context:
            return response
        node, number = response.context["node"], response.context["number"]
        offered = [a.id for a in response.context["form"].offered]
        choice = overrides.get(node.id) or model.get(node.id)
        if choice not in offered:
            choice = next(a for a in offered if a != "not_sure")
        response = answer(client, number, node.id, choice, follow=True)
    raise AssertionError("the walk did not finish")


def test_training_starts_at_the_first_question(signed_in):
    response = signed_in.get(TRAIN)
    assert response.status_code == 302
    assert response["Location"] == step_url(1)
    page = signed_in.get(step_url(1)).content.decode()
    assert '<h1 class="govuk-fieldset__heading">What is happening?</h1>' in page
    assert "nothing is recorded as a decision" in page


def test_training_question_offers_the_live_answers_including_not_sure(signed_in):
    answer(signed_in, 1, "start", "want_to_share")
    page = signed_in.get(step_url(2)).content.decode()
    assert current_flowchart().node("emergency_check").question in page
    assert 'value="not_sure"' in page
    assert "Urgent: someone is in danger now" not in page
    assert "Your reasons" not in page


def test_walking_cs13_with_the_model_answers_shows_no_difference(signed_in):
    response = walk(signed_in)
    comparison = response.context["comparison"]
    assert comparison.is_same_walk
    assert comparison.first_difference is None
    assert comparison.outcome.id == comparison.model_outcome.id == "outcome_do_not_share"
    page = response.content.decode()
    assert "You gave the same answer as the worked example at every question." in page
    assert "First difference" not in page
    assert stored(signed_in) == [list(pair) for pair in CS13_MODEL]


def test_walking_cs13_with_a_different_answer_shows_where_it_diverged(signed_in):
    response = walk(signed_in, {"harm_threshold": "yes_others_serious_harm"})
    comparison = response.context["comparison"]
    first = comparison.first_difference
    assert first.number == 12
    assert first.question == current_flowchart().node("harm_threshold").question
    assert (first.answer, first.model_answer) == (answer_label("yes_others_serious_harm"), answer_label("no_risk"))
    page = response.content.decode()
    assert "Where you first differed" in page
    assert "Question 12:" in page
    assert "First difference" in page
    assert "The document finds that James" in page  # the model commentary is the "why"
    assert comparison.outcome.id != "outcome_do_not_share"
    assert "You reached a different outcome from the worked example." in page


def test_every_differing_step_is_marked(signed_in):
    response = walk(signed_in, {"consent_outcome": "given"})
    rows = response.context["comparison"].rows
    assert [row.number for row in rows if row.is_first_difference] == [11]
    assert all(row.differs for row in rows[10:])
    assert not any(row.differs for row in rows[:10])
    page = response.content.decode()
    assert page.count("govuk-tag--red") == 1
    assert page.count("govuk-tag--orange") == len(rows) - 11
    assert "Questions the worked example answered that you did not reach" in page


def test_model_answer_is_shown_for_the_same_question(signed_in):
    page = signed_in.get(step_url(1)).content.decode()
    assert "Show the model answer" in page
    assert "The worked example answers:</span> I want to share information" in page
    assert "Stephen, James&#x27;s housing worker" in page


def test_model_answer_says_when_the_worked_example_does_not_visit_the_question(signed_in):
    for number, (node, answer_id) in enumerate(CS13_MODEL[:10], start=1):
        answer(signed_in, number, node, answer_id)
    answer(signed_in, 11, "consent_outcome", "given")
    page = signed_in.get(step_url(12)).content.decode()
    assert "The worked example does not visit this question" in page


def test_post_for_the_wrong_question_changes_nothing_and_says_why(signed_in):
    answer(signed_in, 1, "start", "want_to_share")
    response = answer(signed_in, 2, "purpose", "yes")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert WRONG_QUESTION in page
    assert stored(signed_in) == [["start", "want_to_share"]]


def test_answer_not_allowed_is_refused(signed_in):
    response = answer(signed_in, 1, "start", "yes")
    assert response.status_code == 200
    assert "Select one of the answers shown" in response.content.decode()
    assert stored(signed_in) == []


def test_missing_answer_is_refused(signed_in):
    response = signed_in.post(step_url(1), {"node": "start"})
    assert "Select an answer" in response.content.decode()
    assert stored(signed_in) == []


def test_empty_post_is_refused_as_an_answer_for_another_question(signed_in):
    response = signed_in.post(step_url(1), {})
    assert response.status_code == 200
    assert WRONG_QUESTION in response.content.decode()
    assert stored(signed_in) == []


def test_post_beyond_the_current_question_changes_nothing(signed_in):
    response = answer(signed_in, 5, "identifiable", "yes", follow=True)
    assert response.redirect_chain[-1][0] == step_url(1)
    assert WRONG_QUESTION in response.content.decode()
    assert stored(signed_in) == []


def test_back_link_goes_to_the_previous_training_question(signed_in):
    answer(signed_in, 1, "start", "want_to_share")
    page = signed_in.get(step_url(2)).content.decode()
    assert f'<a href="{step_url(1)}" class="govuk-back-link">Back</a>' in page
    first = signed_in.get(step_url(1)).content.decode()
    assert 'value="want_to_share" checked' in first
    assert '<a href="/case-studies/cs13/" class="govuk-back-link">Back</a>' in first


def test_answering_an_earlier_question_again_keeps_or_drops_the_later_answers(signed_in):
    for number, (node, answer_id) in enumerate(CS13_MODEL[:4], start=1):
        answer(signed_in, number, node, answer_id)
    answer(signed_in, 2, "emergency_check", "no")
    assert len(stored(signed_in)) == 4
    response = answer(signed_in, 3, "purpose", "no")
    assert len(stored(signed_in)) == 3
    assert stored(signed_in)[-1] == ["purpose", "no"]
    assert response.status_code == 302


def test_skipping_ahead_by_url_returns_to_the_current_question(signed_in):
    response = signed_in.get(step_url(7))
    assert response["Location"] == step_url(1)


def test_results_before_the_end_return_to_the_current_question(signed_in):
    answer(signed_in, 1, "start", "want_to_share")
    response = signed_in.get(f"{TRAIN}results/")
    assert response["Location"] == step_url(2)


def test_restart_clears_only_this_run(signed_in):
    answer(signed_in, 1, "start", "want_to_share")
    signed_in.post("/case-studies/cs03/walks/main/train/steps/1/", {"node": "start", "answer": "asked_to_share"})
    response = signed_in.post(f"{TRAIN}restart/")
    assert response["Location"] == step_url(1)
    assert stored(signed_in) == []
    assert signed_in.session["training"]["cs03/main"] == [["start", "asked_to_share"]]


def test_a_stored_run_the_flowchart_no_longer_accepts_starts_again(signed_in):
    session = signed_in.session
    session["training"] = {"cs13/main": [["start", "retired_answer"]]}
    session.save()
    response = signed_in.get(TRAIN, follow=True)
    assert response.redirect_chain[-1][0] == step_url(1)
    assert "has started again" in response.content.decode()
    assert stored(signed_in) == []


def test_training_creates_no_decisions(signed_in):
    walk(signed_in, {"harm_threshold": "yes_others_serious_harm"})
    walk(signed_in)
    assert Decision.objects.count() == 0


def test_htmx_answer_swaps_in_the_next_question(signed_in):
    response = answer(signed_in, 1, "start", "want_to_share", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert step_url(2) in response["HX-Location"]
    assert "#training-step" in response["HX-Location"]
    fragment = signed_in.get(step_url(2), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="training-step"')
    assert "HX-Request" in fragment["Vary"]


def test_htmx_answer_that_finishes_the_run_loads_the_results_page(signed_in):
    for number, (node, answer_id) in enumerate(CS13_MODEL[:11], start=1):
        answer(signed_in, number, node, answer_id)
    response = answer(signed_in, 12, "harm_threshold", "no_risk", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"{TRAIN}results/"


def test_training_for_unknown_walk_is_not_found(signed_in):
    assert signed_in.get("/case-studies/cs13/walks/nope/train/").status_code == 404
    assert signed_in.get("/case-studies/gp4/walks/main/train/steps/1/").status_code == 404


@pytest.mark.parametrize("url", [TRAIN, step_url(1), f"{TRAIN}results/"])
def test_training_needs_sign_in(client, db, url):
    assert client.get(url)["Location"].startswith("/accounts/login/")
