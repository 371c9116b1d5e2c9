"""The Approvals pages and the practitioner's side, through the test client with CSRF enforced."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from isg.approvals import services
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.decisions.helpers import answer_data

from .conftest import client_for, csrf_from, decide, ready_to_submit, submit, submitted

pytestmark = pytest.mark.django_db
Status = Decision.Status


def text(response) -> str:
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return words.replace("&#x27;", "'").replace(" ,", ",").replace(" .", ".")


def errors(response) -> list[str]:
    return re.findall(r'class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> (.*?)</p>',
                      response.content.decode())


# -- the queue --------------------------------------------------------------------------------------


def test_the_queue_lists_emergency_and_overdue_first_then_oldest(people, settings):
    settings.ISG_RETROSPECTIVE_APPROVAL_HOURS = 1
    first = submitted(people.practitioner)
    emergency = submitted(people.practitioner, "outcome_emergency_share")
    overdue = submitted(people.practitioner, "outcome_emergency_share")
    Approval.objects.filter(decision=overdue).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    Approval.objects.filter(decision=first).update(requested_at=timezone.now() - datetime.timedelta(days=2))
    assert [a.decision for a in services.queue_for(people.manager)] == [overdue, emergency, first]
    page = client_for(people.manager).get("/approvals/")
    assert page.status_code == 200
    words = text(page)
    assert "3 decisions waiting for approval" in words
    assert words.index("Overdue") < words.index("Approve before sharing")
    assert words.count("Shared: review") == 2 and words.count("Approve before sharing") == 1
    body = page.content.decode()
    rows = [body.index(f"/approvals/{d.public_id}/") for d in (overdue, emergency, first)]
    assert rows == sorted(rows)  # overdue, then emergency, then the oldest
    assert "Pat Practitioner" in words and "Share without consent" in words
    assert words.count("Overdue") == 1


def test_the_queue_filters_in_place_with_htmx_and_as_a_plain_form_without(people):
    submitted(people.practitioner)
    emergency = submitted(people.practitioner, "outcome_emergency_share")
    client = client_for(people.manager)
    full = client.get("/approvals/?show=urgent")
    assert "<html" in full.content.decode() and "1 decision waiting for approval" in text(full)
    fragment = client.get("/approvals/?show=urgent", headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and body.strip().startswith('<div id="queue-results">')
    assert str(emergency.public_id) in body and "1 decision waiting" in body
    assert "Vary" in fragment and "HX-Request" in fragment["Vary"]
    assert "2 decisions waiting" in text(client.get("/approvals/?show=nonsense"))


def test_only_line_managers_reach_the_queue_and_see_only_theirs(people):
    submitted(people.practitioner)
    assert client_for(people.practitioner).get("/approvals/").status_code == 403
    assert "0 decisions waiting" in text(client_for(people.outsider).get("/approvals/"))
    assert "0 decisions waiting" in text(client_for(people.peer).get("/approvals/"))


def test_the_nav_shows_approvals_to_managers_only(people):
    assert 'href="/approvals/"' in client_for(people.manager).get("/decisions/").content.decode()
    assert 'href="/approvals/"' not in client_for(people.practitioner).get("/decisions/").content.decode()


# -- the decision page ------------------------------------------------------------------------------


def test_the_approval_page_shows_the_decision_the_conversation_and_the_form(people, awaiting):
    page = client_for(people.manager).get(f"/approvals/{awaiting.public_id}/")
    words = text(page)
    assert page.status_code == 200
    assert awaiting.case_reference in words and "Submitted by Pat Practitioner" in words
    assert "With Margaret Hughes (Pat Practitioner's line manager)" in words and "Due by" in words
    assert "Approval before sharing: nothing is shared until it is approved" in words
    assert "recorded that their line manager" not in words  # 1.2: the walk no longer asks it
    assert 'name="action"' in page.content.decode() and 'name="reason"' in page.content.decode()
    # The approver's answers are the flowchart's, in its words.
    assert re.findall(r'name="action" type="radio" value="([a-z_]+)"', page.content.decode()) == [
        "approve", "return", "not_approve"]


def test_an_empty_decision_is_refused_with_an_error_summary(people, awaiting):
    client = client_for(people.manager)
    response = decide(client, awaiting, "", reason="")
    assert response.status_code == 200
    assert errors(response) == ["Select what you decide: “Approve: they may share now”, “Return it with a question”, "
                                "“Do not approve”", "Enter your reason (or, if you return it, your question)"]
    assert 'class="govuk-error-summary"' in response.content.decode()
    assert '<title>Error: ' in response.content.decode()
    response = decide(client, awaiting, "approve", reason="<b>fine</b>")
    assert errors(response)[0].startswith("Remove the HTML")
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_htmx_errors_come_back_as_the_form_fragment(people, awaiting):
    response = decide(client_for(people.manager), awaiting, "approve", reason="  ", htmx=True)
    body = response.content.decode()
    assert "<html" not in body and 'id="decide-form"' in body and "Enter your reason" in body


def test_approving_goes_back_to_the_queue_with_a_message(people, awaiting):
    client = client_for(people.manager)
    response = decide(client, awaiting, "approve", reason="Serious harm, proportionate")
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    assert "You approved the decision" in text(client.get("/approvals/"))
    awaiting.refresh_from_db()
    assert awaiting.status == Status.APPROVED
    response = decide(client_for(people.manager), awaiting, "approve", htmx=True)
    assert response.status_code == 302 or "HX-Redirect" in response or "HX-Location" in response


def test_a_post_without_the_csrf_token_is_refused(people, awaiting):
    client = client_for(people.manager)
    response = client.post(f"/approvals/{awaiting.public_id}/", {
        "action": "approve", "reason": "ok", "revision": awaiting.revision,
    })
    assert response.status_code == 403
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_a_post_without_the_revision_is_never_taken_as_current(people, awaiting):
    client = client_for(people.manager)
    token = csrf_from(client, f"/approvals/{awaiting.public_id}/")
    response = client.post(f"/approvals/{awaiting.public_id}/", {
        "csrfmiddlewaretoken": token, "action": "approve", "reason": "ok",
    }, follow=True)
    assert "Someone else acted on this decision first" in text(response)
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL


def test_a_second_tab_acting_on_a_decided_decision_sees_a_clear_message(people, awaiting):
    first, second = client_for(people.manager), client_for(people.manager)
    url = f"/approvals/{awaiting.public_id}/"
    token = csrf_from(second, url)
    revision = awaiting.revision
    assert decide(first, awaiting, "not_approve", reason="Not proportionate").status_code == 302
    response = second.post(url, {"csrfmiddlewaretoken": token, "revision": revision, "action": "approve",
                                 "reason": "Fine by me"}, follow=True)
    words = text(response)
    assert "Someone else acted on this decision first" in words
    assert "Not approved" in words and "Not approved by Margaret Hughes" in words
    awaiting.refresh_from_db()
    assert awaiting.status == Status.NOT_APPROVED


def test_people_who_may_not_approve_get_404(people, awaiting):
    for user in (people.practitioner, people.outsider, people.outsider_practitioner):
        assert client_for(user).get(f"/approvals/{awaiting.public_id}/").status_code in (403, 404)
    assert client_for(people.outsider).get(f"/approvals/{awaiting.public_id}/").status_code == 404


# -- the practitioner's side ------------------------------------------------------------------------


def test_the_outcome_page_says_exactly_what_is_awaited_from_whom_since_when(people, awaiting):
    words = text(client_for(people.practitioner).get(f"/decisions/{awaiting.public_id}/outcome/"))
    assert "Waiting for approval: do not share yet" in words
    assert "Approval is with Margaret Hughes (Pat Practitioner's line manager), due by 2 March 2026, 17:00." in words
    assert "your line manager will need to approve this" not in words.lower()


def test_the_check_page_names_the_approver_before_recording(people):
    decision = ready_to_submit(people.practitioner)
    words = text(client_for(people.practitioner).get(f"/decisions/{decision.public_id}/check/"))
    assert ("Do not share yet. When you record it, it goes for approval before you share, the same working day, "
            "to Margaret Hughes (your line manager).") in words


def test_returned_answer_change_and_resubmit_through_the_pages(people, awaiting):
    manager = client_for(people.manager)
    assert decide(manager, awaiting, "return", reason="Who else lives there?").status_code == 302
    practitioner = client_for(people.practitioner)
    mine = text(practitioner.get("/decisions/"))
    assert "Returned to you with a question" in mine and "Margaret Hughes" in mine
    outcome = text(practitioner.get(f"/decisions/{awaiting.public_id}/outcome/"))
    assert "Returned with a question: do not share yet" in outcome and "Who else lives there?" in outcome
    check = practitioner.get(f"/decisions/{awaiting.public_id}/check/")
    assert "Answer the question and submit again" in text(check) and "Who else lives there?" in text(check)
    assert "Submit again for approval" in text(check)

    # Submitting without an answer lists it as a gap.
    refused = submit(practitioner, awaiting)
    assert refused.status_code == 200
    assert "Answer the approver's question before you submit again" in text(refused)
    assert "#id_return_answer" in refused.content.decode()

    # The walk's pages are open again while it is returned: change an answer.
    awaiting.refresh_from_db()
    index = next(i for i, s in enumerate(awaiting.path) if s["node"] == "secure_method")
    url = f"/decisions/{awaiting.public_id}/steps/{index}/secure_method/"
    assert practitioner.get(url).status_code == 200
    token = csrf_from(practitioner, url)
    changed = practitioner.post(url, {
        **answer_data("secure_method", "phone_then_written", revision=awaiting.revision), "csrfmiddlewaretoken": token,
    })
    assert changed.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Status.RETURNED

    response = submit(practitioner, awaiting, return_answer="The mother and a lodger")
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_APPROVAL
    assert mail.outbox[-1].subject == "A decision is waiting for your approval again"
    assert decide(manager, awaiting, "approve", reason="Answered").status_code == 302
    words = text(practitioner.get(f"/decisions/{awaiting.public_id}/outcome/"))
    assert "Approved: share now" in words and "Approved by Margaret Hughes on" in words
    assert "Their reason: Answered" in words
    for step in ("Submitted,", "Returned with a question", "Who else lives there?", "Question answered",
                 "The mother and a lodger", "Submitted again", "Approved,"):
        assert step in words, step


def test_not_approved_says_clearly_do_not_share_and_how_to_escalate(people, awaiting):
    decide(client_for(people.manager), awaiting, "not_approve", reason="Not proportionate")
    words = text(client_for(people.practitioner).get(f"/decisions/{awaiting.public_id}/outcome/"))
    assert "Not approved: do not share" in words and "Do not share this information." in words
    assert "procedure for resolving professional differences" in words and "anyone can make a referral" in words
    assert "Share only" not in words  # nothing on the page says to share
    assert "Their reason: Not proportionate" in words


def test_a_disagreed_emergency_share_stands_and_goes_to_the_data_protection_officer(people, clock):
    decision = submitted(people.practitioner, "outcome_emergency_share")
    decide(client_for(people.manager), decision, "disagree", reason="Police first next time")
    words = text(client_for(people.practitioner).get(f"/decisions/{decision.public_id}/outcome/"))
    assert "Shared: the reviewer disagreed" in words and "The sharing stands" in words
    assert "No data protection officer is named in this app for this agency" in words
    assert "not approved" not in words.lower()


def test_an_overdue_review_shows_who_it_went_to_and_why(people, clock):
    decision = submitted(people.practitioner, "outcome_emergency_share")
    clock.advance(hours=8)
    services.escalate_overdue()
    words = text(client_for(people.practitioner).get(f"/decisions/{decision.public_id}/outcome/"))
    assert "It went up to Bella Boss because it was not dealt with in time" in words
    assert "Bella Boss (the next approver up)" in words
    queue = text(client_for(people.boss).get("/approvals/"))
    assert decision.case_reference in queue and "Escalated to you" in queue


def test_escalated_decisions_show_on_my_decisions_and_in_the_queue(people):
    decision = ready_to_submit(people.practitioner, "outcome_seek_advice")
    client = client_for(people.practitioner)
    submit(client, decision, review_owner="Sam Lead", escalation_review_date="1 1 2099")
    decision.refresh_from_db()
    assert decision.status == Status.ESCALATED
    mine = text(client.get("/decisions/"))
    assert "Escalated: still open" in mine and "Margaret Hughes" in mine
    queue = text(client_for(people.manager).get("/approvals/"))
    assert "Escalated decisions still open" in queue and decision.case_reference in queue
    page = client_for(people.manager).get(f"/approvals/{decision.public_id}/")
    assert page.status_code == 200 and "Escalated: still open" in text(page)
    assert "To be settled by 1 January 2099 (Sam Lead)" in text(page)
    assert 'name="action"' not in page.content.decode()  # nothing to approve: it waits for a follow-up


def test_a_double_clicked_submit_makes_one_result(people):
    decision = ready_to_submit(people.practitioner)
    client = client_for(people.practitioner)
    url = f"/decisions/{decision.public_id}/check/"
    token = csrf_from(client, url)
    data = {"csrfmiddlewaretoken": token, "revision": decision.revision}
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert second.status_code == 200
    assert Decision.objects.get(pk=decision.pk).status == Status.AWAITING_APPROVAL
    assert decision.events.filter(kind="submitted").count() == 1
    assert len(mail.outbox) == 1


def test_a_returned_decision_question_page_is_open_but_a_decided_one_is_not(people, awaiting):
    client = client_for(people.practitioner)
    index = next(i for i, s in enumerate(awaiting.path) if s["node"] == "secure_method")
    url = f"/decisions/{awaiting.public_id}/steps/{index}/secure_method/"
    assert client.get(url).status_code == 302  # awaiting approval: not editable
    services.return_for_information(awaiting, people.manager, "Why secure email?", awaiting.revision)
    assert client.get(url).status_code == 200
