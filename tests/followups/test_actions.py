"""Follow-up actions are tasks (issue 14): the decision's owner adds one (what, who, by when) and it
goes on that person's To do page, in their daily reminder when due, and on the decision's history.
Bad input gets a clear error and changes nothing; a second click adds it once."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from isg.approvals.digest import SUBJECT as DIGEST_SUBJECT
from isg.approvals.digest import send_digests
from isg.decisions.models import Decision, DecisionEvent
from isg.followups import services
from isg.followups.models import FollowUp
from isg.lib.text import CONTROL_MESSAGE, MARKUP_MESSAGE
from tests.approvals.conftest import client_for, csrf_from, people, ready_to_submit, submitted  # noqa: F401
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WHAT = "Ask the school for the attendance record"


@pytest.fixture
def decision(people, clock):  # noqa: F811
    """Recorded on Monday 2 March 2026 at 10:00 (the test clock), waiting for the manager."""
    return submitted(people.practitioner)


def add_url(decision) -> str:
    return reverse("followups:add-action", args=[decision.public_id])


def actions(decision):
    return FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.ACTION)


def post(client, decision, *, token=None, **data):
    fields = {"csrfmiddlewaretoken": csrf_from(client, add_url(decision)), "token": token or str(uuid.uuid4()),
              "description": WHAT, "owner": "", "due_on_day": "9", "due_on_month": "3", "due_on_year": "2026"}
    fields.update(data)
    return client.post(add_url(decision), fields)


def reminders_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and m.subject == DIGEST_SUBJECT]


def errors(response) -> str:
    page = response.content.decode()
    summary = re.search(r'class="govuk-error-summary.*?</div>\s*</div>', page, re.S)
    assert summary, "no error summary"
    return summary.group(0)


# -- the service -------------------------------------------------------------------------------

def test_an_action_is_a_task_for_its_owner_on_the_decisions_history(people, decision):  # noqa: F811
    task = services.open_action(decision=decision, actor=people.practitioner, owner=people.manager,
                                description=WHAT, due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    assert (task.kind, task.owner, task.description) == (FollowUp.Kind.ACTION, people.manager, WHAT)
    assert task.due_at == datetime.datetime(2026, 3, 9, 17, 0, tzinfo=datetime.UTC)  # 17:00 UK time (GMT)
    assert task.get_kind_display() == "Follow-up action" and not task.already_opened
    event = decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_OPENED).last()
    assert event.payload["follow_up"] == task.pk and event.payload["follow_up_kind"] == "action"
    assert event.actor == people.practitioner


def test_a_colleague_given_an_action_is_emailed_a_link_only_and_the_owner_is_not(people, decision):  # noqa: F811
    mail.outbox.clear()
    services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                         description=WHAT, due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    assert not mail.outbox  # their own action: it is on their To do page
    token = uuid.uuid4()
    for _ in range(2):
        services.open_action(decision=decision, actor=people.practitioner, owner=people.peer,
                             description=WHAT, due_on=datetime.date(2026, 3, 9), token=token)
    (notice,) = mail.outbox  # once, however often the form is posted
    assert notice.to == ["peer@example.org"] and notice.subject == "A follow-up action has been given to you"
    assert "/to-do/" in notice.body
    assert WHAT not in notice.body and decision.case_reference not in notice.body and "Pat" not in notice.body


def test_today_is_allowed_and_a_past_date_is_refused_changing_nothing(people, decision):  # noqa: F811
    with pytest.raises(services.ActionRefused) as refused:
        services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                             description=WHAT, due_on=datetime.date(2026, 3, 1), token=uuid.uuid4())
    assert (refused.value.message, refused.value.field) == ("The due date must be today or in the future", "due_on")
    assert not actions(decision).exists()
    services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                         description=WHAT, due_on=datetime.date(2026, 3, 2), token=uuid.uuid4())
    assert actions(decision).count() == 1


def test_the_same_form_twice_opens_one_task(people, decision):  # noqa: F811
    token = uuid.uuid4()
    first = services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                                 description=WHAT, due_on=datetime.date(2026, 3, 9), token=token)
    again = services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                                 description=WHAT, due_on=datetime.date(2026, 3, 9), token=token)
    assert again.pk == first.pk and again.already_opened
    assert actions(decision).count() == 1
    assert decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_OPENED, payload__follow_up_kind="action").count() == 1


def test_only_for_a_colleague_of_the_agency_and_not_by_a_stranger(people, decision):  # noqa: F811
    dpo_elsewhere = make_user(username="dpo2", role="data_protection_officer", agency=people.other_agency)
    lscb = make_user(username="lscb", role="partnership", agency=people.agency)
    for owner in (people.outsider_practitioner, dpo_elsewhere, lscb):
        with pytest.raises(services.ActionRefused) as refused:
            services.open_action(decision=decision, actor=people.practitioner, owner=owner, description=WHAT,
                                 due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
        assert refused.value.field == "owner"
    with pytest.raises(services.ActionRefused):
        services.open_action(decision=decision, actor=people.outsider, owner=people.outsider, description=WHAT,
                             due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    assert not actions(decision).exists()


@pytest.mark.parametrize("status", ["draft", "withdrawn", "superseded"])
def test_not_on_a_draft_a_withdrawn_or_a_superseded_decision(people, decision, status):  # noqa: F811
    Decision.objects.filter(pk=decision.pk).update(status=status)
    decision.refresh_from_db()
    with pytest.raises(services.ActionRefused) as refused:
        services.open_action(decision=decision, actor=people.practitioner, owner=people.practitioner,
                             description=WHAT, due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    assert refused.value.field is None and refused.value.message == services.NO_ACTIONS[status]
    assert not actions(decision).exists()


# -- the pages -----------------------------------------------------------------------------------

def test_the_owner_adds_one_for_a_colleague_who_sees_it_on_their_to_do_page(people, decision):  # noqa: F811
    owner = client_for(people.practitioner)
    outcome = owner.get(reverse("decisions:outcome", args=[decision.public_id])).content.decode()
    assert add_url(decision) in outcome  # the link from the decision page
    form = owner.get(add_url(decision)).content.decode()
    assert "Add a follow-up action" in form
    assert f'<option value="{people.practitioner.pk}" selected>Pat Practitioner (you)</option>' in form
    assert "Percy Peer, line manager" in form and "Tom Okafor" not in form  # colleagues of the agency only

    response = post(owner, decision, owner=str(people.peer.pk))
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("decisions:outcome", args=[decision.public_id]) + "#follow-up-actions")
    task = actions(decision).get()
    assert task.owner == people.peer
    page = owner.get(response["Location"]).content.decode()
    assert "Follow-up action added to Percy Peer&#x27;s To do list, due by 9 March 2026." in page
    assert f'id="action-{task.pk}"' in page and WHAT in page

    todo = client_for(people.peer).get(reverse("followups:todo")).content.decode()
    assert f'id="follow-up-{task.pk}"' in todo and "Follow-up action" in todo and WHAT in todo
    assert "Monday 9 March 2026, 17:00" in todo
    assert f'id="follow-up-{task.pk}"' not in client_for(people.practitioner).get(reverse("followups:todo")).content.decode()
    # The task's link opens the decision for the colleague who must do it (they neither made nor manage it).
    assert reverse("decisions:outcome", args=[decision.public_id]) in todo
    assert client_for(people.peer).get(reverse("decisions:outcome", args=[decision.public_id])).status_code == 200

    history = owner.get(reverse("decisions:history", args=[decision.public_id])).content.decode()
    assert "Follow-up opened" in history and "Follow-up action" in history and "Percy Peer" in history


def test_it_is_in_the_owners_reminder_on_the_day_it_is_due(people, decision, clock):  # noqa: F811
    response = post(client_for(people.practitioner), decision, owner=str(people.peer.pk))
    assert response.status_code == 302
    send_digests()
    assert not reminders_to("peer@example.org")  # not due yet
    clock.set(datetime.datetime(2026, 3, 9, 7, 0, tzinfo=datetime.UTC))
    send_digests()
    (reminder,) = reminders_to("peer@example.org")
    assert "- Follow-up action: due Monday 9 March 2026, 17:00" in reminder.body
    assert WHAT not in reminder.body and decision.case_reference not in reminder.body


def test_a_double_submit_adds_one_action(people, decision):  # noqa: F811
    client = client_for(people.practitioner)
    token = str(uuid.uuid4())
    assert post(client, decision, token=token, owner=str(people.practitioner.pk)).status_code == 302
    second = post(client, decision, token=token, owner=str(people.practitioner.pk))
    assert second.status_code == 302
    assert actions(decision).count() == 1
    assert "had already been added (perhaps by a second click), so it was added once" in \
        client.get(second["Location"]).content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"due_on_day": "1", "due_on_month": "3", "due_on_year": "2026"}, "The due date must be today or in the future"),
    ({"due_on_day": "31", "due_on_month": "2", "due_on_year": "2027"}, "The due date must be a real date"),
    ({"due_on_day": "", "due_on_month": "", "due_on_year": ""}, "Enter the due date"),
    ({"description": "   "}, "Enter what is to be done"),
    ({"description": "Ring <b>the school</b>"}, MARKUP_MESSAGE),
    ({"description": "Ring the school\x07"}, CONTROL_MESSAGE),
    ({"description": "x" * 2001}, "What is to be done must be 2000 characters or fewer"),
    ({"owner": "999999"}, "Select who will do it from the list"),
    ({"owner": "not-an-id"}, "Select who will do it from the list"),
    ({"token": "forged"}, "This form was out of date, so nothing was saved"),
])
def test_bad_input_is_a_clear_error_and_changes_nothing(people, decision, data, message):  # noqa: F811
    client = client_for(people.practitioner)
    last_event = decision.events.order_by("-pk").first().pk
    fields = {"owner": str(people.practitioner.pk), **data}
    response = post(client, decision, **fields)
    assert response.status_code == 400
    assert escape(message)[:60] in errors(response)
    assert "<title>Error: Add a follow-up action" in response.content.decode()
    assert not actions(decision).exists()
    # Nothing but the page view went on the history.
    assert not decision.events.filter(pk__gt=last_event).exclude(kind=DecisionEvent.Kind.VIEWED).exists()


def test_a_colleague_of_another_agency_is_refused_even_with_their_real_id(people, decision):  # noqa: F811
    response = post(client_for(people.practitioner), decision, owner=str(people.outsider_practitioner.pk))
    assert response.status_code == 400 and "Select who will do it from the list" in errors(response)
    assert not actions(decision).exists()


def test_someone_elses_decision_is_not_there(people, decision):  # noqa: F811
    for user in (people.peer, people.outsider_practitioner, people.outsider):
        client = client_for(user)
        assert client.get(add_url(decision)).status_code == 404, user
        token = csrf_from(client, reverse("followups:todo")) if user.role else ""
        response = client.post(add_url(decision), {"csrfmiddlewaretoken": token, "token": str(uuid.uuid4()),
                                                    "description": WHAT, "owner": str(user.pk),
                                                    "due_on_day": "9", "due_on_month": "3", "due_on_year": "2026"})
        assert response.status_code == 404, user
    assert client_for(people.practitioner).get(reverse("followups:add-action", args=[uuid.uuid4()])).status_code == 404
    assert not actions(decision).exists()


def test_the_practitioners_line_manager_may_add_one_and_is_the_one_on_the_history(people, decision):  # noqa: F811
    client = client_for(people.manager)
    outcome = reverse("decisions:outcome", args=[decision.public_id])
    assert add_url(decision) in client.get(outcome).content.decode()
    assert f'<option value="{people.manager.pk}" selected>Margaret Hughes (you)</option>' in \
        client.get(add_url(decision)).content.decode()
    response = post(client, decision, owner=str(people.practitioner.pk))
    assert response.status_code == 302
    task = actions(decision).get()
    assert task.owner == people.practitioner and task.created_by == people.manager
    event = decision.events.filter(kind=DecisionEvent.Kind.FOLLOW_UP_OPENED, payload__follow_up=task.pk).get()
    assert event.actor == people.manager
    assert f'id="follow-up-{task.pk}"' in client_for(people.practitioner).get(reverse("followups:todo")).content.decode()


def test_a_line_manager_away_or_not_responsible_may_not(people, decision):  # noqa: F811
    from isg.accounts.models import User

    User.objects.filter(pk=people.manager.pk).update(is_away=True)
    assert client_for(people.manager).get(add_url(decision)).status_code == 404
    # The peer reads nothing of it; the boss (the manager's manager) is not the practitioner's line manager.
    for user in (people.peer, people.boss):
        assert client_for(user).get(add_url(decision)).status_code == 404
    with pytest.raises(services.ActionRefused):
        services.open_action(decision=decision, actor=people.peer, owner=people.peer, description=WHAT,
                             due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    assert not actions(decision).exists()


@pytest.mark.parametrize("status", ["withdrawn", "superseded"])
def test_a_withdrawn_or_superseded_decision_says_why_and_offers_no_link(people, decision, status):  # noqa: F811
    Decision.objects.filter(pk=decision.pk).update(status=status)
    client = client_for(people.practitioner)
    page = client.get(add_url(decision)).content.decode()
    assert "You cannot add a follow-up action to this decision" in page
    assert services.NO_ACTIONS[status] in page.replace("&#x27;", "'")
    response = post(client, decision, owner=str(people.practitioner.pk))
    assert response.status_code == 200 and not actions(decision).exists()


def test_a_draft_offers_no_form(people, clock):  # noqa: F811
    draft = ready_to_submit(people.practitioner)
    page = client_for(people.practitioner).get(add_url(draft)).content.decode()
    assert "still a draft: record it first" in page
    assert not actions(draft).exists()


def test_the_pdf_lists_the_action_among_the_tasks(people, decision):  # noqa: F811
    from isg.records.pdf import render_decision_pdf
    from tests.records.reading import pages_text

    services.open_action(decision=decision, actor=people.practitioner, owner=people.peer, description=WHAT,
                         due_on=datetime.date(2026, 3, 9), token=uuid.uuid4())
    text = " ".join(pages_text(render_decision_pdf(decision, exported_by=people.practitioner).pdf))
    assert "Follow-up action Percy Peer 9 March 2026, 17:00 Not yet" in text[text.index("Tasks after the decision"):]


def test_the_records_own_follow_up_words_are_offered_as_a_task_until_one_is_added(people, decision):  # noqa: F811
    written = "Ask the school for the attendance record\nTell the GP <b>by Friday</b>"
    Decision.objects.filter(pk=decision.pk).update(record={**decision.record, "follow_up": written})
    owner = client_for(people.practitioner)
    outcome_url = reverse("decisions:outcome", args=[decision.public_id])
    page = owner.get(outcome_url).content.decode()
    box = page.split('id="written-follow-up"')[1].split("</div>")[0]
    assert "Ask the school for the attendance record<br>Tell the GP &lt;b&gt;by Friday&lt;/b&gt;" in box
    assert "Nobody is reminded of these until each has an owner and a due date" in box
    assert f"{add_url(decision)}?from=record" in box
    # The add page starts from the record's words, for the owner to make into one action.
    form = owner.get(f"{add_url(decision)}?from=record").content.decode()
    assert escape(written) in form.split('name="description"')[1].split("</textarea>")[0]
    assert escape(written) not in owner.get(add_url(decision)).content.decode()
    assert post(owner, decision, owner=str(people.practitioner.pk)).status_code == 302
    page = owner.get(outcome_url).content.decode()
    assert 'id="written-follow-up"' in page and "Nobody is reminded of these" not in page
    # The partnership reads the decision (the record's words are in its record) but is offered no task.
    reader = client_for(make_user(username="lscb", role="partnership", agency=None))
    read = reader.get(outcome_url)
    assert read.status_code == 200 and "?from=record" not in read.content.decode()
