"""The routes legal-review.md found unsafe (F1, F2, F4, F5, F9, F12), walked through the views as a practitioner would, on 1.1.0.

Flowchart 1.1.0 is archived, and a decision started under it before 1.2 shipped is completed and
displayed under it; these pages must still do what flowchart.md 7 fixed. Each test answers page
by page with the test client (no JavaScript), records the decision and checks what the pages
show: the questions offered, the outcome, and the safeguarding reminder. The same kind of walk on
1.2.0 is in test_legal_paths_views_1_2.py.
"""

import re
from pathlib import Path

import pytest

from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart

from .helpers import answer_current, errors, walk

pytestmark = pytest.mark.django_db

FLOWCHART_1_1 = Path(__file__).resolve().parents[2] / "flowchart" / "archive" / "information-sharing-1.1.0.yaml"


@pytest.fixture(autouse=True)
def flowchart_1_1(settings):
    settings.ISG_FLOWCHART_PATH = FLOWCHART_1_1

TO_CONSENT = ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes", "confidential:yes"]
ADULT_ASKED = [*TO_CONSENT, "consent_safe_to_ask:no_safe", "consent_practicable:yes", "consent_from_whom:adult_18_plus",
               "adult_capacity_doubt:no"]
SERIOUS_UNSAFE = [*TO_CONSENT, "consent_safe_to_ask:yes_unsafe", "harm_threshold:yes_serious"]
SHARE_STEPS = ["recipient_check:yes", "secure_method:secure_email", "inform_person:will_inform"]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def question_page(client, decision) -> str:
    decision.refresh_from_db()
    return client.get(f"/decisions/{decision.public_id}/steps/{len(decision.path)}/{decision.current_node}/").content.decode()


def offered(page: str) -> list[str]:
    return re.findall(r'name="answer" type="radio" value="([a-z0-9_]+)"', page)


def record(client, decision, **details) -> str:
    """Record the decision from the check page and return the outcome page."""
    decision.refresh_from_db()
    response = client.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision, **details})
    assert response.status_code == 302, errors(response)
    return client.get(response["Location"]).content.decode()


def outcome_part(page: str) -> str:
    """The outcome's own words (title to the end of its guidance), not the answers on the record."""
    return text_of(page.split('<h2 class="govuk-heading-m">Your record</h2>')[0].split("</header>")[-1])


def reminder(page: str) -> str:
    found = re.search(r'<div class="govuk-warning-text" id="safeguarding-reminder">(.*?)</div>', page, re.S)
    return text_of(found.group(1)) if found else ""


def test_f1_after_serious_harm_a_managers_no_escalates_and_never_ends_in_do_not_share(signed_in):
    decision = walk(signed_in, SERIOUS_UNSAFE)
    page = question_page(signed_in, decision)
    assert decision.current_node == "manager_approval"
    assert "not_approved_agree" not in offered(page)
    assert "not_approved_still_concerned" in offered(page)
    assert "escalat" in text_of(page).lower()  # the hint says how to escalate beyond the manager
    refused = answer_current(signed_in, decision, "not_approved_agree")
    assert "Select one of the answers shown: that answer is not available here" in errors(refused)
    assert answer_current(signed_in, decision, "not_approved_still_concerned").status_code == 302
    decision.refresh_from_db()
    assert decision.current_node == "record"
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    assert "Based on your answers: Get further advice before you decide" in check
    assert "does not replace a referral" in reminder(check)
    refused = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    assert 'href="#id_escalation_review_date"' in refused.content.decode()  # an open question needs a date
    outcome = record(signed_in, decision, escalation_review_date="1 1 2099")
    decision.refresh_from_db()
    assert decision.outcome == "outcome_seek_advice"
    words = outcome_part(outcome)
    assert "Get further advice before you decide" in words and "Still open" in words
    assert "escalation procedure" in words and "anyone can make a referral" in words
    assert "does not replace a referral" in reminder(outcome)
    assert "refer to children's or adults' social care" in reminder(outcome).replace("&#x27;", "'")


def test_f5_an_unborn_baby_asks_the_mothers_age_and_under_16_takes_the_childs_route(signed_in):
    decision = walk(signed_in, [*TO_CONSENT, "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                                "consent_from_whom:unborn_baby"])
    page = question_page(signed_in, decision)
    assert decision.current_node == "mother_age"
    assert "How old is the mother?" in page
    assert offered(page) == ["18_plus", "16_17", "under_16", "not_sure"]
    assert answer_current(signed_in, decision, "under_16").status_code == 302
    decision.refresh_from_db()
    assert decision.current_node == "child_competence"  # not the adult capacity route
    assert answer_current(signed_in, decision, "competent").status_code == 302
    page = question_page(signed_in, decision)
    assert decision.current_node == "fraser_check"
    assert "no" not in offered(page)  # a pregnant girl under 16 always passes the sexual activity question
    for pair in ["fraser_check:yes", "sexual_activity_flags:under_13", "manager_approval:approved",
                 "minimum_necessary:all_relevant", *SHARE_STEPS]:
        node, answer = pair.split(":")
        decision.refresh_from_db()
        assert decision.current_node == node, (decision.current_node, pair)
        assert answer_current(signed_in, decision, answer).status_code == 302, pair
    decision.refresh_from_db()
    assert decision.state["mother_age"] == "under_16" and decision.state["harm_level"] == "serious"
    outcome = record(signed_in, decision)
    decision.refresh_from_db()
    assert decision.outcome == "outcome_share_without_consent"
    words = outcome_part(outcome)
    assert "Share without consent" in words
    assert "does not replace a referral" in reminder(outcome)
    # It waits for approval, so the page says what does not wait (a referral) and nothing about sharing yet.
    assert "Waiting for approval: do not share yet" in words and 'id="after-sharing"' not in outcome
    # The mother's age stands on the record.
    assert "How old is the mother?" in outcome and "Under 16" in outcome


def test_f4_pressured_then_no_risk_needs_a_review_and_is_not_worded_as_a_refusal(signed_in):
    decision = walk(signed_in, [*ADULT_ASKED, "consent_outcome:pressured", "harm_threshold:no_risk"])
    assert decision.state["review_required"] is True
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    assert "Based on your answers: Do not share" in check
    assert not re.search(r'for="id_review_owner">[^<]*\(optional\)', check)
    refused = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    assert refused.status_code == 200
    assert 'href="#id_review_owner"' in refused.content.decode() and 'href="#id_review_date"' in refused.content.decode()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT
    outcome = record(signed_in, decision, review_owner="Pat Practitioner", review_date="1 1 2099")
    decision.refresh_from_db()
    assert decision.outcome == "outcome_do_not_share" and decision.record["review_date"] == "2099-01-01"
    words = outcome_part(outcome)
    assert "Do not share" in words
    assert "refus" not in words.lower()
    assert "does not replace a referral" in reminder(outcome)
    assert "Pat Practitioner" in outcome and "1 January 2099" in outcome


def test_f4_a_real_refusal_is_still_called_one(signed_in):
    decision = walk(signed_in, [*ADULT_ASKED, "consent_outcome:refused", "harm_threshold:no_risk"])
    words = outcome_part(record(signed_in, decision))
    assert "refus" in words.lower()


def test_f12_serious_harm_sharing_a_part_is_sharing_without_consent_not_the_limited_outcome(signed_in):
    decision = walk(signed_in, [*SERIOUS_UNSAFE, "manager_approval:approved", "minimum_necessary:limited_subset",
                                *SHARE_STEPS])
    assert decision.state["limited"] is True
    outcome = record(signed_in, decision)
    decision.refresh_from_db()
    assert decision.outcome == "outcome_share_without_consent" and decision.requires_approval
    words = outcome_part(outcome)
    assert "Share without consent" in words and "limited part" not in words
    assert "does not replace a referral" in reminder(outcome)
    assert "Waiting for approval" in words
    # What was held back is on the record.
    assert "What is left out, and why" in outcome


def test_every_outcome_the_views_reach_shows_the_reminder(signed_in):
    flowchart = current_flowchart()
    assert flowchart.reminder
    decision = walk(signed_in, ["emergency_check:no", "purpose:no"], start="asked_to_share")
    outcome = record(signed_in, decision)
    assert reminder(outcome) and 'id="after-sharing"' not in outcome  # not a share outcome


def test_f2_consent_not_needed_to_protect_is_offered_and_leads_to_the_harm_question(signed_in):
    decision = walk(signed_in, TO_CONSENT)
    page = question_page(signed_in, decision)
    assert decision.current_node == "consent_safe_to_ask"
    assert "not_needed_to_protect" in offered(page)
    assert answer_current(signed_in, decision, "not_needed_to_protect").status_code == 302
    decision.refresh_from_db()
    assert decision.current_node == "harm_threshold" and decision.state["consent_status"] == "not_needed"
    for pair in ["harm_threshold:yes_serious", "manager_approval:approved", "minimum_necessary:all_relevant", *SHARE_STEPS]:
        node, answer = pair.split(":")
        decision.refresh_from_db()
        assert decision.current_node == node, (decision.current_node, pair)
        assert answer_current(signed_in, decision, answer).status_code == 302, pair
    outcome = record(signed_in, decision)
    decision.refresh_from_db()
    assert decision.outcome == "outcome_share_without_consent"
    words = outcome_part(outcome)
    assert "Share without consent" in words
    assert "does not replace a referral" in reminder(outcome)


def test_f9_could_not_take_it_in_with_presumed_capacity_goes_to_the_capacity_questions(signed_in):
    decision = walk(signed_in, [*ADULT_ASKED])
    assert decision.current_node == "consent_outcome" and decision.state["capacity"] == "presumed"
    assert answer_current(signed_in, decision, "unable_right_now").status_code == 302
    decision.refresh_from_db()
    assert decision.current_node == "mca_support"  # the MCA covers temporary inability (s.2(2))
    assert "consent_status" not in decision.state
    page = question_page(signed_in, decision)
    assert "Have you done everything practicable" in text_of(page)
