"""The PDF record says why the decision has its outcome and what would change it."""

from __future__ import annotations

import pytest

from isg.records.pdf import render_decision_pdf

from .reading import attached_json, pages_text

pytestmark = pytest.mark.django_db


def test_the_pdf_says_why_this_outcome_and_what_would_change_it(recorded, owner):
    rendered = render_decision_pdf(recorded, exported_by=owner)
    text = " ".join(pages_text(rendered.pdf))
    assert "Why this outcome" in text
    assert "The flowchart gives “Share without consent” because of the practitioner’s answer to this question" in text
    assert "Without sharing, is anyone at risk of serious harm" in text
    assert "What would change it" in text
    # Each other answer, re-walked: an exact outcome, or the question it would lead to.
    assert "“No”: the outcome would be “Do not share”" in text
    assert "it leads to other questions, starting with" in text
    # The JSON attached to the PDF keeps the same explanation, in words.
    why = attached_json(rendered.pdf)["why"]
    assert why["outcome"] == "outcome_share_without_consent"
    assert [a["answer"] for a in why["answers"]] == ["Yes: a child is at risk of significant harm"]
