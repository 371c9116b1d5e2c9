"""The outcome page says why the decision has its outcome, and what would change it, in the flowchart's words."""

import re

import pytest

from isg.accounts.models import User
from tests.factories import make_decision, make_user

pytestmark = pytest.mark.django_db


def why_section(page: str) -> str:
    start = page.index('id="why"')
    return page[start:page.index("</section>", start)]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_practitioner_sees_why_and_what_would_change_it(signed_in, practitioner):
    decision = make_decision(practitioner, "outcome_share_limited", submit=True)
    page = signed_in.get(f"/decisions/{decision.public_id}/outcome/").content.decode()
    section = why_section(page)
    words = plain(section)
    assert "Why this outcome" in words
    assert "The flowchart gives “Share a limited part without consent” because of your answer to this question" in words
    assert "Does the public interest in sharing outweigh" in words and "Yes, but only a limited part" in words
    # Behind "What would change it": each other answer with the outcome it gives, worked out exactly.
    assert '<details class="govuk-details" id="why-changes">' in section
    assert "“Yes, share what is needed”: the outcome would be “Share without consent”" in words
    assert "“No, do not share”: the outcome would be “Do not share”" in words
    # Plain English only: no variable, value, node or outcome ids.
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", words)
    # It comes after what the guidance supports, before the lawful basis.
    assert page.index("What the guidance supports") < page.index('id="why"') < page.index("The lawful basis")


def test_an_answer_that_leads_to_unanswered_questions_names_the_next_one_and_guesses_nothing(signed_in, practitioner):
    decision = make_decision(practitioner, "outcome_share_without_consent", submit=True)
    words = plain(why_section(signed_in.get(f"/decisions/{decision.public_id}/outcome/").content.decode()))
    assert "“There is a lower-level need”: it leads to other questions, starting with “Does the public interest" in words
    assert "“No”: the outcome would be “Do not share”" in words


def test_the_partnership_reader_sees_it_about_the_practitioner(client, practitioner):
    decision = make_decision(practitioner, "outcome_do_not_share", submit=True)
    client.force_login(make_user(role=User.Role.PARTNERSHIP, agency=None))
    words = plain(why_section(client.get(f"/decisions/{decision.public_id}/outcome/").content.decode()))
    assert "The flowchart gives “Do not share” because of the practitioner’s answer to this question" in words
    assert "Is there a clear and legitimate reason to share this information?" in words
    assert "“Yes”: it leads to other questions, starting with “Does the law require you to share this information?”" in words
    assert "Changed since you returned it" not in words
