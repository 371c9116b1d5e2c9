"""One approval (flowchart 1.2, section 8.1) in a real browser, with JavaScript and without.

- A child at risk referred to children's social care is shared at once; `manager` agrees on review.
- A public-interest share waits for approval: returned with a question, answered, resubmitted, approved.
- Serious harm shared with a charity waits; `manager` cannot simply say no: her "no" escalates to `director`.
- Every demo decision, in every approval state, has one instruction on its outcome page, and the
  partnership reader reads each without a link that answers 403 or 404.

axe-core runs on each page type (with JavaScript); conftest fails a test on any console error.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from isg.accounts.models import User
from isg.approvals import demo
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.engine.walks import EXTRA_WALKS
from tests.factories import make_agency, make_decision, make_manager, make_user

from .conftest import assert_accessible, sign_in
from .walking import guidance, record, start, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANAGER = User.Role.LINE_MANAGER


@dataclass
class Team:
    director: User
    manager: User
    practitioner: User
    lscb: User
    outsider: User


def make_team() -> Team:
    """The demo's people by their demo usernames: practitioner -> manager -> director, in one agency."""
    agency, other = make_agency(name="Avon Health"), make_agency(name="Kingsmead School")
    director = make_user(username="director", first_name="Diana", last_name="Director", role=MANAGER, agency=agency,
                         email="director@example.org")
    manager = make_user(username="manager", first_name="Margaret", last_name="Hughes", role=MANAGER, agency=agency,
                        line_manager=director, email="manager@example.org")
    practitioner = make_user(username="practitioner", first_name="Pat", last_name="Practitioner", agency=agency,
                             line_manager=manager, email="pat@example.org")
    lscb = make_user(username="lscb", first_name="Laura", last_name="Simmons", role=User.Role.PARTNERSHIP, agency=None)
    outsider = make_user(username="outsider", first_name="Tom", last_name="Okafor", agency=other)
    return Team(director, manager, practitioner, lscb, outsider)


def as_user(browser, live_server, username: str, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, live_server.url, username)
    return page


def shot(page: Page, name: str, javascript: bool) -> None:
    page.screenshot(path=f"/tmp/approvals-{name}-{'js' if javascript else 'nojs'}.png", full_page=True)


def submit(page: Page, base_url: str, walk_name: str, case_reference: str) -> None:
    pairs = EXTRA_WALKS[walk_name]
    start(page, base_url, pairs[0].split(":")[1], case_reference=case_reference)
    walk(page, list(pairs[1:]))


def decide(page: Page, answer_label: str, reason: str) -> None:
    page.get_by_label(answer_label, exact=True).check()
    page.get_by_label("Your reason").fill(reason)
    page.get_by_role("button", name="Send your decision").click()


def instructions(page: Page) -> str:
    """What the outcome page tells the reader to do: the status panel, the guidance line, the steps.
    (The path diagram further down draws every outcome, "Do not share" among them: it is a map.)"""
    parts = page.locator("#status-panel, #what-to-do, #after-sharing").all_inner_texts()
    return "\n".join([*parts, guidance(page).inner_text()])


def assert_links_open(page: Page) -> None:
    """Every link in the page's main content opens for this reader: none answers 403 or 404."""
    hrefs = page.locator("main a[href]").evaluate_all("links => links.map(a => a.href)")
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    for href in {h.split("#")[0] for h in hrefs if h.startswith(origin)}:
        status = page.request.get(href, max_redirects=0).status
        assert status in (200, 302), (page.url, href, status)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_child_referral_is_shared_at_once_and_agreed_on_review(browser, live_server, mailoutbox, javascript):
    make_team()
    practitioner = as_user(browser, live_server, "practitioner", javascript)
    submit(practitioner, live_server.url, "child_referral_after_sharing", "REFER-1")
    expect(practitioner.locator("#approval-route")).to_contain_text(
        "This does not wait for approval: share it now")
    expect(practitioner.locator("#approval-route")).to_contain_text("for review, the same working day")
    record(practitioner)
    outcome_url = practitioner.url
    expect(practitioner.locator("h1")).to_have_text("Share now: your approver reviews it today")
    expect(practitioner.locator("#status-panel")).to_contain_text("The review is with Margaret Hughes")
    expect(guidance(practitioner)).to_contain_text("Share without consent")
    # One instruction: nothing on the page tells them to hold back what it tells them to share.
    assert "do not share" not in instructions(practitioner).lower()
    shot(practitioner, "referral-shared", javascript)
    if javascript:
        assert_accessible(practitioner)
    assert [m.to for m in mailoutbox] == [["manager@example.org"]]

    manager = as_user(browser, live_server, "manager", javascript)
    manager.get_by_role("link", name=re.compile("^Approvals")).click()
    expect(manager.locator("tr", has_text="REFER-1")).to_contain_text("Shared: review")
    manager.get_by_role("link", name="REFER-1").click()
    expect(manager.locator("#id_action-hint")).to_contain_text("This has been shared already: you are reviewing it")
    # A review offers agree, return or disagree: never "approve" something already shared.
    expect(manager.get_by_label("Approve: they may share now")).to_have_count(0)
    if javascript:
        assert_accessible(manager)
    decide(manager, "Agree: the sharing was right", "Right to refer at once: the bruising needed a s47 response")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You agreed with the sharing")

    practitioner.goto(outcome_url)
    expect(practitioner.locator("h1")).to_have_text("Shared and agreed on review")
    expect(practitioner.locator("#status-panel")).to_contain_text("Agreed by Margaret Hughes")
    assert Decision.objects.get(case_reference="REFER-1").status == Decision.Status.AGREED

    reader = as_user(browser, live_server, "lscb", javascript)
    assert reader.goto(outcome_url).status == 200
    expect(reader.locator("h1")).to_have_text("Shared and agreed on review")
    expect(reader.locator("#what-to-do")).to_have_count(0)
    assert_links_open(reader)
    for page in (practitioner, manager, reader):
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_public_interest_share_waits_is_returned_resubmitted_and_approved(
    browser, live_server, mailoutbox, console_errors, javascript,
):
    make_team()
    practitioner = as_user(browser, live_server, "practitioner", javascript)
    submit(practitioner, live_server.url, "public_interest_share", "APPROVE-1")
    expect(practitioner.locator("#approval-route")).to_contain_text("Do not share yet")
    expect(practitioner.locator("#approval-route")).to_contain_text("Margaret Hughes (your line manager)")
    record(practitioner)
    outcome_url = practitioner.url
    expect(practitioner.locator("h1")).to_have_text("Waiting for approval: do not share yet")
    expect(practitioner.locator("#status-panel")).to_contain_text("Approval is with Margaret Hughes")
    # While it waits: the steps say the approver decides first, nothing says to share now, and no
    # "after you share" list.
    expect(practitioner.locator("#what-to-do")).to_contain_text("Your approver decides before you share")
    assert "share now" not in instructions(practitioner).lower()
    expect(practitioner.locator("#after-sharing")).to_have_count(0)
    if javascript:
        assert_accessible(practitioner)
    decision = Decision.objects.get(case_reference="APPROVE-1")
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    assert [m.to for m in mailoutbox] == [["manager@example.org"]]

    manager = as_user(browser, live_server, "manager", javascript)
    manager.get_by_role("link", name=re.compile("^Approvals")).click()
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
    manager.get_by_role("link", name="APPROVE-1").click()
    expect(manager.locator("#id_action-hint")).to_contain_text("Nothing has been shared yet")
    # No serious harm here: a plain "no" is open to her, and there is nothing to escalate.
    expect(manager.get_by_label("Do not approve", exact=True)).to_have_count(1)
    expect(manager.get_by_label("I do not agree: escalate it to the next approver")).to_have_count(0)

    # Nothing chosen: the error summary, and the page (or fragment) says Error in the title.
    manager.get_by_role("button", name="Send your decision").click()
    expect(manager.locator(".govuk-error-summary")).to_be_visible()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter your reason")
    expect(manager).to_have_title(re.compile("^Error: "))
    if javascript:
        assert_accessible(manager)
    shot(manager, "decide-errors", javascript)
    decide(manager, "Return it with a question", "Who else lives at the address?")
    expect(manager).to_have_url(re.compile(r"/approvals/$"))
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You returned the decision")

    practitioner.goto(outcome_url)
    expect(practitioner.locator("h1")).to_have_text("Returned with a question: do not share yet")
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
    expect(practitioner.locator("h1")).to_have_text("Waiting for approval: do not share yet")

    manager.goto(f"{live_server.url}/approvals/{decision.public_id}/")
    expect(manager.locator("#approval-history")).to_contain_text("Her mother and a lodger")
    # The approver's page leads with why; what changed since the return is said (here: no answer).
    expect(manager.locator("#decide-ask")).to_contain_text("You are asked to approve")
    expect(manager.locator("#why")).to_contain_text("Why this outcome")
    manager.get_by_text("What would change it").click()
    expect(manager.locator("#why-changes")).to_contain_text("the outcome would be “Do not share”")
    expect(manager.locator("#since-return")).to_contain_text("No answer has changed since.")
    if javascript:
        assert_accessible(manager)
    decide(manager, "Approve: they may share now", "Answered: sharing is proportionate to the risk")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You approved the decision")

    practitioner.goto(outcome_url)
    expect(practitioner.locator("h1")).to_have_text("Approved: share now")
    expect(practitioner.locator("#status-panel")).to_contain_text("Approved by Margaret Hughes")
    assert "do not share" not in instructions(practitioner).lower()
    for step in ("Submitted", "Returned with a question", "Question answered", "Submitted again", "Approved"):
        expect(practitioner.locator("#approval-history")).to_contain_text(step)
    shot(practitioner, "approved-outcome", javascript)
    if javascript:
        assert_accessible(practitioner)
    assert [m.subject for m in mailoutbox] == [
        "A decision is waiting for your approval", "Your decision was returned with a question",
        "A decision is waiting for your approval again", "Your decision was approved",
    ]

    # The partnership reads it (no approval form, no instructions); another agency's practitioner gets 404.
    console_errors.allow(r"status of 404 \(Not Found\) \(http://[^/]+/(approvals|decisions)/" + str(decision.public_id))
    reader = as_user(browser, live_server, "lscb", javascript)
    assert reader.goto(outcome_url).status == 200
    expect(reader.locator("h1")).to_have_text("Approved: may be shared")
    expect(reader.locator("#what-to-do")).to_have_count(0)
    assert_links_open(reader)
    assert reader.goto(f"{live_server.url}/decisions/{decision.public_id}/history/").status == 200
    for title in ("Submitted", "Returned for more information", "Question from the approver answered",
                  "Resubmitted for approval", "Approved"):
        expect(reader.locator("#history")).to_contain_text(title)
    expect(reader.get_by_role("link", name=re.compile("Amend"))).to_have_count(0)
    if javascript:
        assert_accessible(reader)
    outsider = as_user(browser, live_server, "outsider", javascript)
    assert outsider.goto(outcome_url).status == 404
    for page in (practitioner, manager, reader, outsider):
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_serious_harm_to_a_charity_waits_and_the_managers_no_escalates_to_the_director(
    browser, live_server, mailoutbox, console_errors, javascript,
):
    team = make_team()
    practitioner = as_user(browser, live_server, "practitioner", javascript)
    submit(practitioner, live_server.url, "child_serious_harm_to_charity", "CHARITY-1")
    expect(practitioner.locator("#approval-route")).to_contain_text("Do not share yet")
    record(practitioner)
    outcome_url = practitioner.url
    expect(practitioner.locator("h1")).to_have_text("Waiting for approval: do not share yet")
    # Serious harm: the referral route stays open whatever the approver says.
    expect(practitioner.locator("#status-panel")).to_contain_text("you may still refer directly")

    manager = as_user(browser, live_server, "manager", javascript)
    manager.goto(f"{live_server.url}/approvals/")
    manager.get_by_role("link", name="CHARITY-1").click()
    # Where the harm is serious the only "no" is to escalate: "Do not approve" is not offered.
    expect(manager.get_by_label("Do not approve", exact=True)).to_have_count(0)
    escalate = manager.get_by_label("I do not agree: escalate it to the next approver")
    expect(escalate).to_have_count(1)
    if javascript:
        assert_accessible(manager)
    shot(manager, "escalate-choice", javascript)
    decide(manager, "I do not agree: escalate it to the next approver", "The charity does not need the history")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("gone to the next approver")
    decision = Decision.objects.get(case_reference="CHARITY-1")
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    assert decision.approval.approver == team.director and decision.approval.level == 1
    # Margaret acted on it: she still reads the record, but the approval is no longer hers to decide.
    console_errors.allow(r"status of 404 \(Not Found\) \(http://[^/]+/approvals/" + str(decision.public_id))
    assert manager.goto(f"{live_server.url}/approvals/{decision.public_id}/").status == 404
    assert manager.goto(outcome_url).status == 200
    expect(manager.locator("#current-approver")).to_contain_text("Diana Director")

    practitioner.goto(outcome_url)
    expect(practitioner.locator("h1")).to_have_text("Waiting for approval: do not share yet")
    expect(practitioner.locator("#status-panel")).to_contain_text("Approval is with Diana Director")
    expect(practitioner.locator("#status-panel")).to_contain_text("because Margaret Hughes did not agree")
    expect(practitioner.locator("#status-panel")).to_contain_text("you may still refer directly")
    if javascript:
        assert_accessible(practitioner)
    assert ["director@example.org"] in [m.to for m in mailoutbox]

    director = as_user(browser, live_server, "director", javascript)
    director.get_by_role("link", name=re.compile("^Approvals")).click()
    expect(director.locator("tr", has_text="CHARITY-1")).to_be_visible()
    director.get_by_role("link", name="CHARITY-1").click()
    decide(director, "Approve: they may share now", "Share the current concern only, not the history")
    expect(director.locator(".govuk-notification-banner")).to_contain_text("You approved the decision")
    practitioner.goto(outcome_url)
    expect(practitioner.locator("h1")).to_have_text("Approved: share now")
    expect(practitioner.locator("#status-panel")).to_contain_text("Approved by Diana Director")
    for page in (practitioner, manager, director):
        page.context.close()


def test_an_overdue_review_escalates_by_email_and_shows_as_overdue(browser, live_server, mailoutbox, clock):
    team = make_team()
    decision = demo.submitted(team.practitioner, "EMERGENCY-1", "emergency")
    assert decision.status == Decision.Status.AWAITING_REVIEW
    due_at = Approval.objects.get(decision=decision).due_at
    mailoutbox.clear()
    clock.set(due_at + datetime.timedelta(minutes=1))
    call_command("approvals", "escalate-overdue", stdout=__import__("io").StringIO())
    assert [m.to for m in mailoutbox if m.to == ["director@example.org"]], [m.to for m in mailoutbox]
    email = next(m for m in mailoutbox if m.to == ["director@example.org"])
    assert f"/approvals/{decision.public_id}/" in email.body and "EMERGENCY-1" not in email.body

    director = as_user(browser, live_server, "director", True)
    director.goto(f"{live_server.url}/approvals/")
    row = director.locator("tr", has_text="EMERGENCY-1")
    # The director gets the rest of a working day of her own: escalated, not overdue for her.
    expect(row).to_contain_text("Escalated to you")
    expect(row).to_contain_text("3 Mar 2026, 17:00")
    assert_accessible(director)
    director.get_by_role("link", name="EMERGENCY-1").click()
    expect(director.locator("#current-approver")).to_contain_text("Diana Director")
    expect(director.locator("#current-approver")).to_contain_text("escalated 1 time")

    # The practitioner's page says why it moved.
    practitioner = as_user(browser, live_server, "practitioner", True)
    practitioner.goto(f"{live_server.url}/decisions/{decision.public_id}/outcome/")
    expect(practitioner.locator("#status-panel")).to_contain_text("The review is with Diana Director")
    expect(practitioner.locator("#status-panel")).to_contain_text("because it was not dealt with in time")
    practitioner.context.close()
    director.context.close()


def test_every_approval_state_has_one_instruction_and_the_partnership_reads_each(browser, live_server, settings):
    team = make_team()
    other_agency = team.outsider.agency
    manager2 = make_user(username="manager2", first_name="Mo", last_name="Khan", role=MANAGER, agency=other_agency)
    practitioner2 = make_user(username="practitioner2", first_name="Priya", last_name="Shah", agency=other_agency,
                              line_manager=manager2)
    made = demo.load({"practitioner": team.practitioner, "manager": team.manager,
                      "practitioner2": practitioner2, "manager2": manager2})
    assert {d.status for d in made} >= {
        Decision.Status.AWAITING_APPROVAL, Decision.Status.AWAITING_REVIEW, Decision.Status.RETURNED,
        Decision.Status.APPROVED, Decision.Status.NOT_APPROVED, Decision.Status.AGREED, Decision.Status.ESCALATED,
        Decision.Status.RECORDED,
    }
    owners = {team.practitioner.pk: as_user(browser, live_server, "practitioner", True),
              practitioner2.pk: as_user(browser, live_server, "practitioner2", True)}
    reader = as_user(browser, live_server, "lscb", True)
    checked_axe: set[str] = set()
    for decision in made:
        url = f"{live_server.url}/decisions/{decision.public_id}/outcome/"
        owner = owners[decision.owner_id]
        owner.goto(url)
        expect(owner.locator(".isg-status")).to_have_count(1)
        heading = owner.locator("h1").inner_text()
        page_text = instructions(owner)
        if re.search(r"do not share|not approved", heading, re.I):
            # Told to hold back: nothing tells them to share, and no "after you share" steps.
            expect(owner.locator("#after-sharing")).to_have_count(0)
            assert not re.search(r"\bshare now\b", page_text, re.I), (decision.case_reference, heading)
        if re.search(r"share now|shared", heading, re.I):
            assert "do not share" not in page_text.lower(), (decision.case_reference, heading)
        if decision.status not in checked_axe:
            assert_accessible(owner)
        reader.goto(url)
        expect(reader.locator(".isg-status")).to_have_count(1)
        reader_heading = reader.locator("h1").inner_text()
        # The partnership reads the record: no instructions addressed to the practitioner.
        assert not re.search(r"do not share yet|share now", reader_heading, re.I), (decision.case_reference, reader_heading)
        expect(reader.locator("#what-to-do")).to_have_count(0)
        assert_links_open(reader)
        if decision.status not in checked_axe:
            assert_accessible(reader)
            checked_axe.add(decision.status)
    for page in (*owners.values(), reader):
        page.context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_designated_safeguarding_lead_hands_over_an_item_waiting_for_someone_else(
    browser, live_server, mailoutbox, javascript,
):
    """`director` leads safeguarding for the agency: `manager`'s waiting item is listed on her Approvals
    page although it is not hers, and she hands it to `deputy` with a reason."""
    team = make_team()
    User.objects.filter(pk=team.director.pk).update(is_designated_safeguarding_lead=True)
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=team.manager.agency,
                          line_manager=team.director, email="deputy@example.org")
    waiting = make_decision(team.practitioner, "public_interest_share", submit=True, case_reference="LEAD-1")
    assert waiting.approval.approver == team.manager
    director = as_user(browser, live_server, "director", javascript)
    director.goto(f"{live_server.url}/approvals/")
    expect(director.locator("#queue-count")).to_have_text("0 decisions waiting for approval")
    row = director.locator("tr", has_text="LEAD-1")
    expect(row).to_contain_text("Margaret Hughes")
    if javascript:
        assert_accessible(director)
    row.get_by_role("link", name="Hand over").click()
    expect(director.locator("h1")).to_have_text("Hand it to another approver")
    if javascript:
        assert_accessible(director)
    director.get_by_label("Dev Desai").check()
    director.get_by_label("Why are you handing it over?").fill("Margaret is on a course all week")
    director.get_by_role("button", name="Hand it over").click()
    expect(director.locator(".govuk-notification-banner")).to_contain_text("You handed it to Dev Desai")
    waiting.approval.refresh_from_db()
    assert waiting.approval.approver == deputy
    assert ["deputy@example.org"] in [m.to for m in mailoutbox]
    director.context.close()
