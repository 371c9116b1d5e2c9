"""Line-manager approval in a real browser, with JavaScript and without.

The practitioner submits a share-without-consent decision; the manager finds it in Approvals and
returns it with a question; the practitioner answers and submits again; the manager approves.
The LSCB reads it; a practitioner of another agency gets 404. An emergency share left unapproved
past the limit shows as overdue and the escalation email is in the outbox. axe-core runs on the
queue and the decision page (with JavaScript); conftest fails the test on any console error.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from isg.approvals import demo
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.approvals.conftest import make_people
from tests.engine.walks import WALKS
from tests.factories import make_user

from .conftest import assert_accessible, sign_in
from .walking import record, start, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_CONSENT = WALKS["outcome_share_without_consent"]


def as_user(browser, live_server, username: str, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, username)
    return page


def shot(page: Page, name: str, javascript: bool) -> None:
    page.screenshot(path=f"/tmp/approvals-{name}-{'js' if javascript else 'nojs'}.png", full_page=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_submit_return_answer_resubmit_and_approve(browser, live_server, mailoutbox, console_errors, javascript):
    people = make_people()
    lscb = make_user(username="lscb", first_name="Laura", last_name="Simmons", role="partnership", agency=None)
    practitioner = as_user(browser, live_server, "pat", javascript)
    start(practitioner, live_server.url, NO_CONSENT[0].split(":")[1], case_reference="APPROVE-1")
    walk(practitioner, list(NO_CONSENT[1:]))
    expect(practitioner.locator("#approval-route")).to_contain_text("Margaret Hughes (your line manager)")
    record(practitioner)
    expect(practitioner.locator(".govuk-panel__body")).to_contain_text("Submitted for approval")
    expect(practitioner.locator("#approval-status")).to_contain_text(
        "Waiting for sign-off in this app from Margaret Hughes (Pat Practitioner's line manager), since")
    decision = Decision.objects.get(case_reference="APPROVE-1")
    outcome_url = practitioner.url
    assert [m.to for m in mailoutbox] == [["manager@example.org"]]

    # The manager finds it in Approvals.
    manager = as_user(browser, live_server, "manager", javascript)
    manager.get_by_role("link", name="Approvals").click()
    expect(manager.locator("h1")).to_have_text("Approvals")
    expect(manager.locator("#queue-count")).to_have_text("1 decision waiting for approval")
    if javascript:
        assert_accessible(manager)
        # The filter swaps the table in place: no reload, and the address follows.
        manager.evaluate("window.__stillSamePage = true")
        manager.get_by_label("Emergency and overdue only").check()
        expect(manager.locator("#queue-count")).to_have_text("0 decisions waiting for approval")
        expect(manager).to_have_url(re.compile(r"\?show=urgent$"))
        manager.get_by_label("Everything waiting").check()
        expect(manager.locator("#queue-count")).to_have_text("1 decision waiting for approval")
        assert manager.evaluate("window.__stillSamePage === true")
    else:
        manager.get_by_label("Emergency and overdue only").check()
        manager.get_by_role("button", name="Show and refresh").click()
        expect(manager.locator("#queue-count")).to_have_text("0 decisions waiting for approval")
        manager.get_by_label("Everything waiting").check()
        manager.get_by_role("button", name="Show and refresh").click()
    shot(manager, "queue", javascript)
    manager.get_by_role("link", name="APPROVE-1").click()
    expect(manager.locator("h1")).to_contain_text("without consent", ignore_case=True)
    expect(manager.locator("#manager-conversation")).to_contain_text(
        "Pat Practitioner recorded that their line manager or designated safeguarding lead agreed: Margaret Hughes")
    if javascript:
        assert_accessible(manager)

    # Nothing chosen: the error summary, and the page (or fragment) says Error in the title.
    manager.get_by_role("button", name="Send your decision").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Select whether you approve, return or do not approve")
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter your reason")
    expect(manager).to_have_title(re.compile("^Error: "))
    if javascript:
        assert_accessible(manager)
    shot(manager, "decide-errors", javascript)
    manager.get_by_label("Return it with a question").check()
    manager.get_by_label("Your reason").fill("Who else lives at the address?")
    manager.get_by_role("button", name="Send your decision").click()
    expect(manager).to_have_url(re.compile(r"/approvals/$"))
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You returned the decision")

    # The practitioner answers the question, and submits again.
    practitioner.goto(f"{live_server.url}/decisions/")
    expect(practitioner.locator("#returned-decisions")).to_contain_text("Margaret Hughes")
    practitioner.get_by_role("link", name="Answer and submit again").click()
    expect(practitioner.locator("h1")).to_have_text("Answer the question and submit again")
    expect(practitioner.locator("#approver-question")).to_have_text("Who else lives at the address?")
    practitioner.get_by_role("button", name="Submit again for approval").click()  # no answer yet
    expect(practitioner.locator(".govuk-error-summary")).to_contain_text("Answer the approver's question")
    practitioner.get_by_label("Your answer to the question").fill("Her mother and a lodger")
    practitioner.get_by_role("button", name="Submit again for approval").click()
    expect(practitioner).to_have_url(re.compile(r"/outcome/$"))
    expect(practitioner.locator(".govuk-panel__body")).to_contain_text("Submitted for approval")

    # The manager approves.
    manager.goto(f"{live_server.url}/approvals/{decision.public_id}/")
    expect(manager.locator("#approval-history")).to_contain_text("Her mother and a lodger")
    manager.get_by_label("Approve: the practitioner may share as recorded").check()
    manager.get_by_label("Your reason").fill("Answered: the risk is serious and sharing is proportionate")
    manager.get_by_role("button", name="Send your decision").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You approved the decision")

    practitioner.goto(outcome_url)
    status = practitioner.locator("#approval-status")
    expect(status).to_contain_text("Approved")
    expect(status).to_contain_text("Signed off in this app by Margaret Hughes on")
    for step in ("Submitted", "Returned with a question", "Question answered", "Submitted again", "Approved"):
        expect(practitioner.locator("#approval-history")).to_contain_text(step)
    shot(practitioner, "approved-outcome", javascript)
    if javascript:
        assert_accessible(practitioner)
    assert [m.subject for m in mailoutbox] == [
        "A decision is waiting for your approval", "Your decision was returned with a question",
        "A decision is waiting for your approval again", "Your decision was approved",
    ]

    # The LSCB reads it (no approval form); a practitioner of another agency gets 404 (logged, as expected).
    console_errors.allow(r"status of 404 \(Not Found\) \(http://[^/]+/(approvals|decisions)/" + str(decision.public_id))
    reader = as_user(browser, live_server, lscb.username, javascript)
    response = reader.goto(outcome_url)
    assert response.status == 200
    expect(reader.locator("#approval-status")).to_contain_text("Signed off in this app by Margaret Hughes")
    assert reader.goto(f"{live_server.url}/approvals/{decision.public_id}/").status == 404
    # ... with its full history, read-only: every step of the approval is there, and nothing to amend.
    assert reader.goto(f"{live_server.url}/decisions/{decision.public_id}/history/").status == 200
    history = reader.locator("#history")
    for title in ("Submitted", "Returned for more information", "Question from the approver answered",
                  "Resubmitted for approval", "Approved"):
        expect(history).to_contain_text(title)
    expect(reader.get_by_role("link", name=re.compile("Amend"))).to_have_count(0)
    if javascript:
        assert_accessible(reader)
    outsider = as_user(browser, live_server, people.outsider_practitioner.username, javascript)
    assert outsider.goto(outcome_url).status == 404
    for page in (practitioner, manager, reader, outsider):
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_emergency_share_left_unapproved_shows_overdue_and_escalates_by_email(
    browser, live_server, mailoutbox, settings, javascript,
):
    people = make_people()
    decision = demo.submitted(people.practitioner, "EMERGENCY-1", "emergency")
    late = timezone.now() - datetime.timedelta(hours=settings.ISG_RETROSPECTIVE_APPROVAL_HOURS + 1)
    Approval.objects.filter(decision=decision).update(due_at=late)
    mailoutbox.clear()
    call_command("approvals", "escalate-overdue", stdout=__import__("io").StringIO())
    [email] = mailoutbox
    assert email.to == ["boss@example.org"]
    assert email.subject == "An emergency sharing decision is overdue for approval"
    assert f"/approvals/{decision.public_id}/" in email.body and "EMERGENCY-1" not in email.body

    boss = as_user(browser, live_server, "boss", javascript)
    boss.goto(f"{live_server.url}/approvals/")
    row = boss.locator("tr", has_text="EMERGENCY-1")
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text("escalated to you")
    if javascript:
        assert_accessible(boss)
    shot(boss, "overdue-queue", javascript)
    boss.get_by_role("link", name="EMERGENCY-1").click()
    expect(boss.locator("#approval-status")).to_contain_text("is overdue")
    expect(boss.locator("#approval-status")).to_contain_text("escalated to Bella Boss")
    if javascript:
        assert_accessible(boss)
    boss.context.close()
