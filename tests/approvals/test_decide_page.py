"""The approver's page leads with why, marks what changed since a return, and the queue sums each item up in a line."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from isg.approvals import services, submission
from isg.decisions import services as decisions
from isg.decisions.models import DecisionEvent
from isg.flowchart.services import current_flowchart
from isg.retention.services import KEPT_PAYLOAD_KEYS
from tests.decisions.helpers import FIELD_VALUES

from .conftest import client_for, decide

pytestmark = pytest.mark.django_db
CHANGED = "Changed since you returned it"


def text(html: str) -> str:
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return words.replace("&#x27;", "'").replace(" ,", ",").replace(" .", ".").replace(" :", ":")


def between(page: str, start: str, end: str) -> str:
    first = page.index(start)
    return page[first:page.index(end, first)]


def answer(decision, actor, node: str, answer_id: str, *, index: int | None = None) -> None:
    """Answer (or change) one question through the walk's service, with the fields its page asks for."""
    decision.refresh_from_db()
    fields = {f.id: FIELD_VALUES[f.id] for f in current_flowchart().node(node).fields if f.id in FIELD_VALUES}
    step = decisions.stored_step(node=node, answer=answer_id, rationale="Only part of it is needed", fields=fields)
    decisions.decision_answer(decision=decision, actor=actor, index=len(decision.path) if index is None else index,
                              step=step, revision=decision.revision)


def resubmit(decision, practitioner) -> None:
    decision.refresh_from_db()
    services.answer_return(decision, practitioner, "The mother and a lodger", decision.revision)
    decision.refresh_from_db()
    submission.resubmit(decision, practitioner, decision.revision)
    decision.refresh_from_db()


def test_the_page_leads_with_the_outcome_then_why_then_the_practitioner_then_the_form(people, awaiting):
    page = client_for(people.manager).get(f"/approvals/{awaiting.public_id}/").content.decode()
    order = ['id="decide-outcome"', 'id="decide-ask"', 'id="why"', 'id="practitioner-says"', 'id="decide-form"',
             "The practitioner's answers"]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert text(between(page, 'id="decide-outcome"', "</h1>")).strip().endswith("Share without consent")
    assert "You are asked to approve Pat Practitioner’s decision: nothing is shared until you answer." in text(page)
    why = text(between(page, 'id="why"', "</section>"))
    assert "because of the practitioner’s answer to this question" in why
    assert "Does the public interest in sharing outweigh" in why and "Yes, share what is needed" in why
    assert "“No, do not share”: the outcome would be “Do not share”" in why
    says = text(between(page, 'id="practitioner-says"', 'id="approval-status"'))
    assert "Concern about a child aged 7 seen with bruising" in says
    # The practitioner's reason for the answer that decided it, beside the situation.
    assert "Their reason: Does the public interest in sharing outweigh" in says and "Because the facts support it" in says
    assert CHANGED not in page  # never returned


def test_a_review_after_sharing_asks_the_reviewer_to_review(people, shared):
    words = text(client_for(people.manager).get(f"/approvals/{shared.public_id}/").content.decode())
    assert "You are asked to review this decision: Pat Practitioner has already shared, and you say whether it was right." in words


def test_once_decided_the_page_no_longer_asks_but_still_says_why(people, awaiting):
    manager = client_for(people.manager)
    assert decide(manager, awaiting, "approve", reason="Proportionate").status_code == 302
    page = manager.get(f"/approvals/{awaiting.public_id}/").content.decode()
    assert "You are asked to" not in text(page) and 'id="decide-form"' not in page
    assert 'id="why"' in page


def test_a_resubmission_marks_the_answers_changed_since_the_return(people, awaiting):
    manager = client_for(people.manager)
    assert decide(manager, awaiting, "return", reason="Is all of it needed?").status_code == 302
    returned = awaiting.events.filter(kind=DecisionEvent.Kind.RETURNED).get()
    # The answers at the return are kept with it, as ids only, and kept by retention.
    assert returned.payload["path_answers"][:2] == [["start", "want_to_share"], ["emergency_check", "no"]]
    assert "path_answers" in KEPT_PAYLOAD_KEYS

    # The practitioner shares only part: the deciding answer changes and the questions after it are asked again.
    awaiting.refresh_from_db()
    index = next(i for i, s in enumerate(awaiting.path) if s["node"] == "public_interest_balance")
    answer(awaiting, people.practitioner, "public_interest_balance", "share_limited", index=index)
    for node, answer_id in (("minimum_necessary", "limited_subset"), ("recipient_check", "yes_other"),
                            ("secure_method", "secure_email"), ("inform_person", "will_inform")):
        awaiting.refresh_from_db()
        if awaiting.current_node == node:
            answer(awaiting, people.practitioner, node, answer_id)
    resubmit(awaiting, people.practitioner)
    assert awaiting.outcome == "outcome_share_limited" and awaiting.is_waiting

    page = manager.get(f"/approvals/{awaiting.public_id}/").content.decode()
    words = text(page)
    assert "You returned it on" in words and "has submitted it again" in words
    assert f"Answers marked “{CHANGED}” are new or different." in words
    # The answer that decides the outcome is marked in "Why this outcome"...
    why = text(between(page, 'id="why"', "</section>"))
    assert f"Yes, but only a limited part {CHANGED}" in why
    # ...and in the full list, only the answers that changed.
    answers = between(page, "The practitioner's answers", "</dl>")
    marked = [text(row) for row in answers.split('<div class="govuk-summary-list__row">') if CHANGED in row]
    assert len(marked) == 2
    assert "Does the public interest in sharing outweigh" in marked[0]
    assert "How much of the relevant information" in marked[1]
    assert "Could the information identify a living person?" not in " ".join(marked)


def test_a_resubmission_with_nothing_changed_says_so(people, awaiting):
    manager = client_for(people.manager)
    assert decide(manager, awaiting, "return", reason="Who else lives there?").status_code == 302
    resubmit(awaiting, people.practitioner)
    words = text(manager.get(f"/approvals/{awaiting.public_id}/").content.decode())
    assert "You returned it on" in words and "No answer has changed since." in words
    assert CHANGED not in words


def test_the_queue_sums_up_each_item_in_one_line_with_its_due_time_and_status(people, awaiting):
    manager = client_for(people.manager)
    page = manager.get("/approvals/").content.decode()
    row = between(page, '<tbody class="govuk-table__body">', "</tr>")
    summary = text(between(row, "isg-queue-summary", "</td>"))
    assert summary.endswith("Share without consent: CASE-001, Avon Health")
    approval = services.current_approval(awaiting)
    assert timezone.localtime(approval.due_at).strftime("%-d %b %Y, %H:%M") in text(row)
    assert "Approve before sharing" in text(row)
    assert "Resubmitted after a return" not in text(row)

    assert decide(manager, awaiting, "return", reason="Who else lives there?").status_code == 302
    resubmit(awaiting, people.practitioner)
    row = between(manager.get("/approvals/").content.decode(), '<tbody class="govuk-table__body">', "</tr>")
    assert "Resubmitted after a return" in text(row) and "CASE-001" in text(row)


def test_a_return_made_before_answers_were_kept_says_changes_cannot_be_shown(people, awaiting, monkeypatch):
    monkeypatch.setattr(services, "path_answers", lambda decision: None)  # as returns made before this was kept
    manager = client_for(people.manager)
    assert decide(manager, awaiting, "return", reason="Who else lives there?").status_code == 302
    resubmit(awaiting, people.practitioner)
    page = manager.get(f"/approvals/{awaiting.public_id}/").content.decode()
    words = text(page)
    assert "Which answers changed was not kept for this return: see the history." in words
    assert f'href="/decisions/{awaiting.public_id}/history/">the history</a>' in page
    assert CHANGED not in words and "No answer has changed since." not in words
