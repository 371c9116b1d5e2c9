from django.urls import reverse

from isg.flowchart.services import current_flowchart


def test_case_page_shows_the_full_text_and_the_credit(signed_in):
    response = signed_in.get("/case-studies/cs13/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Case study 13" in page
    assert "Consent to share information is refused and the client&#x27;s wishes must be followed" in page
    assert "When in his thirties, James had a job, a girlfriend, Karen, and a house." in page
    assert "He had bought an old station wagon" in page
    assert "B&amp;NES LSCB, Multi Agency Information Sharing Guidance Part Two (March 2017)" in page


def test_case_page_renders_bullet_lists_from_the_text(signed_in):
    page = signed_in.get("/case-studies/gp4/").content.decode()
    assert '<ul class="govuk-list govuk-list--bullet"><li>Working with families with complex needs;</li>' in page


def test_case_page_shows_teaching_points_stated_outcome_and_questions(signed_in):
    page = signed_in.get("/case-studies/cs13/").content.decode()
    assert "What the guidance says about it" in page
    assert "An unwise choice is not incapacity" in page
    assert "James has refused consent for his information to be shared and his wishes must be followed." in page
    assert 'class="govuk-inset-text"' in page
    assert "<strong>Do not share</strong>" in page
    assert "Flowchart questions it illustrates" in page
    assert 'href="/case-studies/?node=harm_threshold"' in page


def test_case_page_links_to_each_walk_and_its_training(signed_in):
    page = signed_in.get("/case-studies/cs06/").content.decode()
    for walk in ("rebecca", "todd"):
        assert f'href="/case-studies/cs06/walks/{walk}/"' in page
        assert f'href="/case-studies/cs06/walks/{walk}/train/"' in page
    assert page.count("Walk through this case") == 2
    assert page.count("Try it yourself (training)") == 2


def test_governance_example_says_it_has_no_walk(signed_in):
    page = signed_in.get("/case-studies/gp4/").content.decode()
    assert "it is a governance example" in page
    assert "Walk through this case" not in page
    assert "Try it yourself" not in page


def test_unknown_case_is_not_found(signed_in):
    assert signed_in.get("/case-studies/cs99/").status_code == 404
    assert signed_in.get("/case-studies/cs13/walks/nope/").status_code == 404


def test_case_page_needs_sign_in(client, db):
    response = client.get("/case-studies/cs13/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_walk_overview_lists_every_step_in_order(signed_in):
    response = signed_in.get("/case-studies/cs13/walks/main/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<ol class="govuk-list govuk-list--number">' in page
    assert page.count('href="/case-studies/cs13/walks/main/steps/') == 13  # 12 steps and "Start at step 1"
    assert page.index("What is happening?") < page.index(current_flowchart().node("emergency_check").question)
    assert "Where this leads: Do not share" in page


def test_walk_step_shows_question_hint_answer_and_commentary(signed_in):
    response = signed_in.get("/case-studies/cs13/walks/main/steps/1/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Step 1 of 12" in page
    assert '<h1 class="govuk-heading-l">What is happening?</h1>' in page
    assert '<details class="govuk-details">' in page and "Choose the option that fits best" in page
    assert "I want to share information" in page
    assert "Stephen, James&#x27;s housing worker, wants to" in page
    assert 'href="/case-studies/cs13/walks/main/steps/2/"' in page
    assert "steps/0/" not in page
    assert "Where this leads" not in page


def test_middle_walk_step_links_back_and_forward(signed_in):
    page = signed_in.get("/case-studies/cs13/walks/main/steps/5/").content.decode()
    assert "Step 5 of 12" in page
    assert 'href="/case-studies/cs13/walks/main/steps/4/" rel="prev"' in page
    assert 'href="/case-studies/cs13/walks/main/steps/6/" rel="next"' in page


def test_last_walk_step_shows_the_outcome(signed_in):
    page = signed_in.get("/case-studies/cs13/walks/main/steps/12/").content.decode()
    assert "Step 12 of 12" in page
    assert "Where this leads: Do not share" in page
    assert "the guidance supports not sharing this information now" in page
    assert 'rel="next"' not in page


def test_walk_step_out_of_range_is_not_found(signed_in):
    assert signed_in.get("/case-studies/cs13/walks/main/steps/0/").status_code == 404
    assert signed_in.get("/case-studies/cs13/walks/main/steps/13/").status_code == 404
    assert signed_in.get("/case-studies/gp4/walks/main/steps/1/").status_code == 404


def test_the_documents_emphasis_shows_as_emphasis_not_asterisks(signed_in):
    page = signed_in.get("/case-studies/cs12/").content.decode()
    assert "<em>Working Together to Safeguard Children 2015</em>" in page
    assert "*Working Together" not in page


ALTERNATIVE_NOTE = "Alternative walk: not what the document describes"
ALTERNATIVE_TAG = '<strong class="govuk-tag govuk-tag--yellow">Alternative walk</strong>'


def test_case_page_marks_only_the_alternative_walk(signed_in):
    page = signed_in.get("/case-studies/cs05/").content.decode()
    assert page.count(ALTERNATIVE_TAG) == 1
    assert page.count(ALTERNATIVE_NOTE) == 1
    main, alternative = page.index("What should have happened"), page.index("Alternative: if she had asked her manager")
    assert main < page.index(ALTERNATIVE_TAG) < alternative  # the tag heads the alternative walk, not the main one
    assert 'href="/case-studies/cs05/walks/if_the_manager_said_no/"' in page


def test_a_case_without_alternative_walks_shows_no_marking(signed_in):
    page = signed_in.get("/case-studies/cs13/").content.decode()
    assert ALTERNATIVE_NOTE not in page and "Alternative walk" not in page


def test_walk_overview_and_steps_mark_an_alternative_walk(signed_in):
    overview = signed_in.get("/case-studies/cs05/walks/if_the_manager_said_no/").content.decode()
    assert ALTERNATIVE_TAG in overview and ALTERNATIVE_NOTE in overview
    assert "says which facts are changed" in overview
    assert overview.index(ALTERNATIVE_NOTE) < overview.index("All the steps")
    step = signed_in.get("/case-studies/cs05/walks/if_the_manager_said_no/steps/1/").content.decode()
    assert ALTERNATIVE_TAG in step and ALTERNATIVE_NOTE in step
    assert "An alternative walk: it follows what the staff member actually did" in step


def test_walk_overview_and_steps_of_a_documented_walk_are_not_marked(signed_in):
    for url in ("/case-studies/cs05/walks/should_have/", "/case-studies/cs05/walks/should_have/steps/1/",
                "/case-studies/cs07/walks/ted/"):
        page = signed_in.get(url).content.decode()
        assert ALTERNATIVE_NOTE not in page, url


def test_last_step_of_the_manager_refusal_walk_leads_to_seek_advice(signed_in):
    overview = signed_in.get("/case-studies/cs05/walks/if_the_manager_said_no/").content.decode()
    steps = overview.count('href="/case-studies/cs05/walks/if_the_manager_said_no/steps/') - 1  # less "Start at step 1"
    last = signed_in.get(f"/case-studies/cs05/walks/if_the_manager_said_no/steps/{steps}/").content.decode()
    assert current_flowchart().node("seek_advice").answer("unresolved").label in last
    assert "Where this leads" in last and ALTERNATIVE_NOTE in last


def test_training_on_an_alternative_walk_says_what_it_supposes(signed_in):
    page = signed_in.get("/case-studies/cs20/walks/first_visit_if_under_13/train/", follow=True).content.decode()
    assert ALTERNATIVE_NOTE in page
    assert "Alternative: the first visit, if Natasha were under 13" in page
    plain = signed_in.get("/case-studies/cs20/walks/first_visit/train/", follow=True).content.decode()
    assert ALTERNATIVE_NOTE not in plain
