"""Follow-up actions are tasks (issue 14), in a real browser, with JavaScript and without: from the
decision page the practitioner adds an action for a colleague; a date in the past is refused with the
GOV.UK error summary; the colleague finds the task on their To do page. axe-core runs on the new page
(with JavaScript), with and without errors; conftest fails on any console error."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from isg.followups.models import FollowUp
from tests.factories import make_decision

from .conftest import assert_accessible
from .test_approvals import as_user, make_team
from .test_disclosures import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHAT = "Ask the school for the attendance record"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_practitioner_adds_an_action_for_a_colleague_who_finds_it_to_do(browser, live_server, javascript,
                                                                            console_errors):
    console_errors.allow(r"status of 400 \(Bad Request\) \(http://[^/]+/to-do/decision/[0-9a-f-]+/add-action/")  # the form's errors
    team = make_team()
    decision = make_decision(team.practitioner, "outcome_share_without_consent", submit=True, case_reference="ACT-1")
    page = as_user(browser, live_server, "practitioner", javascript)
    page.goto(f"{live_server.url}/decisions/{decision.public_id}/outcome/")
    page.get_by_role("link", name="Add a follow-up action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a follow-up action")
    if javascript:
        assert_accessible(page)

    page.get_by_label("What is to be done").fill(WHAT)
    page.get_by_label("Who will do it").select_option(label="Margaret Hughes, line manager")
    fill_date(page, "due_on", timezone.localdate() - datetime.timedelta(days=1))
    page.get_by_role("button", name="Add the action").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The due date must be today or in the future")
    expect(page).to_have_title("Error: Add a follow-up action – Information Sharing Guide")
    if javascript:
        assert_accessible(page)
    assert not FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.ACTION).exists()
    expect(page.get_by_label("What is to be done")).to_have_value(WHAT)  # the answers stay as given

    due = timezone.localdate() + datetime.timedelta(days=7)
    fill_date(page, "due_on", due)
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#follow-up-actions")).to_be_visible()
    expect(page.get_by_text("Follow-up action added to Margaret Hughes's To do list")).to_be_visible()
    task = FollowUp.objects.get(decision=decision, kind=FollowUp.Kind.ACTION)
    assert task.owner == team.manager and task.description == WHAT

    manager = as_user(browser, live_server, "manager", javascript)
    manager.goto(f"{live_server.url}/to-do/")
    card = manager.locator(f"#follow-up-{task.pk}")
    expect(card).to_contain_text("Follow-up action")
    expect(card).to_contain_text(WHAT)
    expect(card).to_contain_text(f"{due:%A} {due.day} {due:%B %Y}, 17:00")
