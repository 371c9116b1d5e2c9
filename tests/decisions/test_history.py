"""A decision's History page, and the `viewed` events every page showing a recorded decision adds."""

import re

import pytest
from django.test import Client

from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from tests.engine.walks import WALKS
from tests.factories import make_user

from .helpers import answer_data, walk

pytestmark = pytest.mark.django_db

NO_CONSENT_NEEDED = WALKS["outcome_share_no_consent_needed"]


def recorded(client) -> Decision:
    decision = walk(client, NO_CONSENT_NEEDED[1:], start=NO_CONSENT_NEEDED[0].split(":")[1])
    response = client.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.RECORDED
    return decision


def text(response) -> str:
    """The page's words, without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def views_of(decision) -> int:
    return decision.events.filter(kind=DecisionEvent.Kind.VIEWED).count()


def test_the_history_shows_a_changed_answers_old_and_new_values_and_the_dropped_answers(signed_in, practitioner):
    decision = walk(signed_in, ["requester_verified:yes", "emergency_check:no", "purpose:yes", "statutory_duty:yes_duty"],
                    start="asked_to_share")
    # Change "purpose" (step 3) to "no": the walk ends there and the statutory duty answer is dropped.
    url = f"/decisions/{decision.public_id}/steps/3/purpose/"
    response = signed_in.post(url, answer_data("purpose", "no", rationale="No lawful purpose after all", revision=decision.revision))
    assert response.status_code == 302
    page = text(signed_in.get(f"/decisions/{decision.public_id}/history/"))
    change = page[page.index("Answer changed"):]
    assert "Old answer Yes" in change and "Because the facts support it" in change
    assert "New answer No" in change and "No lawful purpose after all" in change
    dropped = page[page.index("Answer no longer on the path"):]
    assert "Answer dropped" in dropped and "Does the law require you to share" in dropped
    assert "Pat Practitioner" in page
    assert views_of(decision) == 0  # a draft's own owner reading it is not a view of a record


def test_the_history_lists_who_did_what_when_including_submission_and_views(signed_in, practitioner):
    decision = recorded(signed_in)
    signed_in.get(f"/decisions/{decision.public_id}/outcome/")
    response = signed_in.get(f"/decisions/{decision.public_id}/history/?views=shown")
    assert response.status_code == 200
    page = text(response)
    for words in ("Started", "Answered", "Record details updated", "Submitted", "Viewed", "the decision page", "this history"):
        assert words in page, words
    events = decision.events.count()
    assert f"{events} events" in page
    assert page.count("Pat Practitioner,") == events
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', response.content.decode())


def test_viewing_the_outcome_page_adds_one_viewed_event(signed_in, practitioner):
    decision = recorded(signed_in)
    assert views_of(decision) == 0
    signed_in.get(f"/decisions/{decision.public_id}/outcome/")
    viewed = decision.events.filter(kind=DecisionEvent.Kind.VIEWED)
    assert viewed.count() == 1
    event = viewed.get()
    assert (event.actor, event.payload) == (practitioner, {"page": "decisions:outcome"})
    signed_in.get(f"/decisions/{decision.public_id}/outcome/")
    assert views_of(decision) == 2  # one per request


def test_viewed_records_once_per_request_and_never_for_a_draft(signed_in, practitioner, rf):
    decision = recorded(signed_in)
    request = rf.get("/")
    request.user = practitioner
    assert history.viewed(request, decision) is not None
    assert history.viewed(request, decision) is None
    assert views_of(decision) == 1
    draft = walk(signed_in, ["emergency_check:no"])
    assert history.viewed(request, draft) is None
    assert views_of(draft) == 0


def test_a_partnership_reader_sees_the_history_and_the_view_is_logged(signed_in):
    decision = recorded(signed_in)
    lscb = make_user(role=User.Role.PARTNERSHIP, first_name="Lee", last_name="Board")
    client = Client()
    client.force_login(lscb)
    response = client.get(f"/decisions/{decision.public_id}/history/")
    assert response.status_code == 200
    event = decision.events.filter(kind=DecisionEvent.Kind.VIEWED).get()
    assert event.actor == lscb
    assert "Lee Board" in text(response)
    assert "Amend this decision" not in text(client.get(f"/decisions/{decision.public_id}/outcome/"))


@pytest.mark.parametrize("role", [User.Role.PRACTITIONER, User.Role.TRAINER, User.Role.ADMIN])
def test_others_get_404_and_leave_no_trace(signed_in, role):
    decision = recorded(signed_in)
    events = decision.events.count()
    client = Client()
    client.force_login(make_user(role=role))
    assert client.get(f"/decisions/{decision.public_id}/history/").status_code == 404
    assert client.get(f"/decisions/{decision.public_id}/outcome/").status_code == 404
    assert decision.events.count() == events


def test_the_history_is_read_only(signed_in):
    decision = recorded(signed_in)
    client = Client(enforce_csrf_checks=True)
    client.force_login(decision.owner)
    client.get(f"/decisions/{decision.public_id}/history/")
    token = client.cookies["csrftoken"].value
    response = client.post(f"/decisions/{decision.public_id}/history/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 405


def test_the_outcome_page_links_to_the_history(signed_in):
    decision = recorded(signed_in)
    page = signed_in.get(f"/decisions/{decision.public_id}/outcome/").content.decode()
    assert f'href="/decisions/{decision.public_id}/history/"' in page


def test_the_history_shows_a_return_with_its_question_the_reply_and_the_approval(signed_in, practitioner):
    from isg.approvals import services as approvals
    from isg.approvals.submission import resubmit

    manager = make_user(role=User.Role.LINE_MANAGER, agency=practitioner.agency, first_name="Mo", last_name="Manager")
    practitioner.line_manager = manager
    practitioner.save()
    decision = walk(signed_in, WALKS["outcome_share_without_consent"][1:], start=WALKS["outcome_share_without_consent"][0].split(":")[1])
    signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    approvals.return_for_information(decision, manager, "Who else knows about the bruising?", decision.revision)
    approvals.answer_return(decision, practitioner, "Only the school nurse", decision.revision)
    resubmit(decision, practitioner, decision.revision)
    approvals.approve(decision, manager, "Proportionate and necessary", decision.revision)
    page = text(signed_in.get(f"/decisions/{decision.public_id}/history/"))
    for words in ("Returned for more information", "Question Who else knows about the bruising?", "Mo Manager,",
                  "Reply Only the school nurse", "Resubmitted for approval", "Approved", "Reason Proportionate and necessary"):
        assert words in page, words
    assert history.verify_events().ok


def test_views_are_hidden_until_asked_for_with_a_count_and_a_plain_link(signed_in, practitioner):
    decision = recorded(signed_in)
    signed_in.get(f"/decisions/{decision.public_id}/outcome/")
    signed_in.get(f"/decisions/{decision.public_id}/outcome/")
    url = f"/decisions/{decision.public_id}/history/"
    response = signed_in.get(url)
    page = text(response)
    assert "Viewed" not in page and "the decision page" not in page
    assert "Submitted" in page and "Started" in page
    views = views_of(decision)  # two outcome pages and this history
    assert views == 3
    others = decision.events.exclude(kind=DecisionEvent.Kind.VIEWED).count()
    assert f"{others} events, not counting views" in page
    assert f'href="{url}?views=shown#history">Show views (3)</a>' in response.content.decode()

    shown = signed_in.get(f"{url}?views=shown")
    page = text(shown)
    assert page.count("Viewed") == 4 and "the decision page" in page  # and this visit
    assert f"{others + 4} events" in page
    assert f'href="{url}#history">Hide views</a>' in shown.content.decode()


def test_an_unknown_views_value_shows_the_default_list(signed_in, practitioner):
    decision = recorded(signed_in)
    response = signed_in.get(f"/decisions/{decision.public_id}/history/?views=%00<script>")
    assert response.status_code == 200
    assert "Viewed" not in text(response) and "Show views (1)" in text(response)


def test_the_history_says_which_task_was_opened_whose_it_is_and_when_it_is_due(signed_in, practitioner):
    import datetime

    from isg.followups import services as followups

    decision = recorded(signed_in)
    task = followups.open_reconsider_telling(decision, practitioner, owner=practitioner,
                                             due_on=datetime.date(2026, 3, 16))
    followups.complete(task, practitioner, note="Told her mother by phone")
    page = text(signed_in.get(f"/decisions/{decision.public_id}/history/"))
    opened = page[page.rindex("Follow-up opened"):page.index("Follow-up completed")]
    assert "Task Reconsider telling the person" in opened
    assert "Whose Pat Practitioner" in opened and "Due by 16 March 2026, 17:00" in opened
    completed = page[page.index("Follow-up completed"):]
    assert "Task Reconsider telling the person" in completed and "Note Told her mother by phone" in completed
