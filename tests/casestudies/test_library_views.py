import pytest
from django.urls import reverse

from isg.accounts.models import User
from isg.flowchart.services import current_flowchart
from tests.factories import make_user

LIBRARY = "/case-studies/"


def shown(response):
    return [card.case.id for card in response.context["cards"]]


def test_library_url_is_case_studies():
    assert reverse("casestudies:library") == LIBRARY


def test_anonymous_user_is_sent_to_sign_in(client, db):
    response = client.get(LIBRARY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_library_lists_all_25_case_studies_then_good_practice(signed_in):
    response = signed_in.get(LIBRARY)
    assert response.status_code == 200
    ids = shown(response)
    assert ids == [f"cs{n:02}" for n in range(1, 22)] + ["gp1", "gp2", "gp3", "gp4"]
    page = response.content.decode()
    assert "25 examples" in page
    assert "Case study 3" in page and "Good practice example 4" in page
    assert "Information sharing is not justified and is refused to protect privacy" in page


def test_library_cards_show_subject_and_outcome_tags(signed_in):
    page = signed_in.get(LIBRARY, {"q": "station wagon"}).content.decode()
    assert '<strong class="govuk-tag govuk-tag--grey">Adult</strong>' in page
    assert '<strong class="govuk-tag">Do not share</strong>' in page


def test_subject_filter_finds_the_unborn_baby_cases(signed_in):
    response = signed_in.get(LIBRARY, {"subject": "unborn"})
    assert shown(response) == ["cs06", "cs21", "gp1", "gp3"]
    assert "4 examples" in response.content.decode()


def test_several_subjects_match_a_case_with_any_of_them(signed_in):
    assert shown(signed_in.get(LIBRARY, {"subject": ["unborn", "adult_at_risk"]})) == ["cs06", "cs07", "cs10", "cs21", "gp1", "gp3"]


def test_outcome_filter_includes_cases_whose_walks_reach_that_outcome(signed_in):
    # cs20 states "share without consent" overall, but its first-visit walk ends in "do not share".
    assert shown(signed_in.get(LIBRARY, {"outcome": "outcome_do_not_share"})) == ["cs03", "cs04", "cs13", "cs16", "cs20"]


def test_outcome_choices_use_the_flowchart_titles(signed_in):
    page = signed_in.get(LIBRARY).content.decode()
    assert 'value="outcome_share_limited"' in page
    assert "Share a limited part without consent" in page


def test_theme_and_agency_filters_narrow_the_list(signed_in):
    assert shown(signed_in.get(LIBRARY, {"theme": "staff_safety"})) == ["cs06", "cs08", "cs09"]
    assert shown(signed_in.get(LIBRARY, {"agency": "probation"})) == ["cs10", "cs18", "cs21"]
    assert shown(signed_in.get(LIBRARY, {"agency": "probation", "subject": "unborn"})) == ["cs21"]


def test_search_finds_a_word_from_a_case_text_whatever_its_case(signed_in):
    assert shown(signed_in.get(LIBRARY, {"q": "STATION Wagon"})) == ["cs13"]
    assert shown(signed_in.get(LIBRARY, {"q": "Fraser"})) == ["cs20"]


def test_search_needs_every_word_to_match(signed_in):
    assert shown(signed_in.get(LIBRARY, {"q": "wagon Karen"})) == ["cs13"]
    response = signed_in.get(LIBRARY, {"q": "wagon tutor"})
    assert shown(response) == []
    assert "0 examples" in response.content.decode()
    assert "No examples match these filters" in response.content.decode()


def test_node_filter_shows_worked_examples_for_that_question(signed_in):
    response = signed_in.get(LIBRARY, {"node": "consent_scope"})
    ids = shown(response)
    # Each case names the question itself or is named by the question's own list. cs02's walk decides
    # in Cassie's best interests and cs12's does not ask for consent, so the question lists neither.
    assert {"cs06", "cs14", "cs15", "gp1", "gp2", "gp3"} == set(ids)
    page = response.content.decode()
    assert "Worked examples for: Does their consent cover this purpose, this recipient and this information, and is it current?" in page
    assert response.context["wanted"].node.id == "consent_scope"
    assert 'name="node" value="consent_scope"' in page


def test_node_filter_heading_quotes_the_question(signed_in):
    page = signed_in.get(LIBRARY, {"node": "emergency_check"}).content.decode()
    question = current_flowchart().node("emergency_check").question
    assert f"<h1 class=\"govuk-heading-l\">Worked examples for: {question}</h1>" in page


def test_bad_filter_values_are_ignored_with_a_message(signed_in):
    response = signed_in.get(LIBRARY, {"subject": ["martian", "unborn"], "outcome": "outcome_nonsense",
                                       "theme": "<script>", "agency": "x" * 500, "node": "no_such_node"})
    assert response.status_code == 200
    assert shown(response) == ["cs06", "cs21", "gp1", "gp3"]
    page = response.content.decode()
    assert "There is no subject “martian”, so that filter was ignored." in page
    assert "There is no outcome “outcome_nonsense”" in page
    assert "There is no theme “&lt;script&gt;”" in page
    assert "There is no flowchart question “no_such_node”" in page
    assert "<script>”" not in page


def test_very_long_search_is_cut_short_rather_than_refused(signed_in):
    response = signed_in.get(LIBRARY, {"q": "wagon " * 100})
    assert response.status_code == 200
    assert shown(response) == ["cs13"]


def test_filter_form_works_without_javascript_and_with_htmx(signed_in):
    page = signed_in.get(LIBRARY).content.decode()
    assert '<form method="get" action="/case-studies/" hx-get="/case-studies/" hx-target="#casestudy-results"' in page
    assert 'hx-push-url="true"' in page
    assert "Apply filters" in page and "Clear filters" in page


def test_htmx_request_gets_only_the_results_partial(signed_in):
    response = signed_in.get(LIBRARY, {"subject": "unborn"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="casestudy-results">')
    assert "4 examples" in page
    assert "Apply filters" not in page
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(signed_in):
    response = signed_in.get(LIBRARY, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("role", [User.Role.TRAINER, User.Role.PARTNERSHIP, User.Role.LINE_MANAGER])
def test_any_signed_in_role_can_read_the_library(client, db, role):
    client.force_login(make_user(role=role))
    assert client.get(LIBRARY).status_code == 200


def test_odd_query_strings_do_not_break_the_library(signed_in):
    for query in ("q=%00wagon", "subject=&outcome=&theme=&agency=&node=", "theme=pre_birth&theme=nonsense", "node=%00"):
        assert signed_in.get(f"{LIBRARY}?{query}").status_code == 200, query
