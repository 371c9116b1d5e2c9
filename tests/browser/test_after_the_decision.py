"""After the decision (issue 14), end to end in a real browser, with JavaScript and without.

On the test clock (Monday 2 March 2026, 10:00; time moves only when the test says so):

1. a child at risk of serious harm is referred to children's social care at once: the decision is
   "Shared: waiting for review" (flowchart 1.2's review after sharing);
2. the practitioner records the share, and that the mother was not told, with a reason and a date to
   reconsider it by;
3. `manager` agrees it the same day, on the approval page;
4. the practitioner's "To do" shows the task to reconsider telling;
5. past the due dates: the daily reminder is one email a person (the practitioner's lists the task), an
   approval waiting past its limit escalates by email, and the partnership reader's register lists the
   right decision under "overdue follow-ups" and under "overdue approvals";
6. `manager` sets herself away from tomorrow; when the day comes her waiting decision reaches her deputy,
   whose Approvals queue shows it and says whom they cover for;
7. a public-interest decision approved after its limit says "Approved late";
8. the partnership reader sees the share, the telling and the tasks in the decision's history and in its
   PDF record.

The other decisions are made with the services (tests.factories.make_decision): walking them in the browser
adds nothing here. axe-core runs on each page type (with JavaScript); conftest fails on any console error.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from isg.accounts.models import User
from isg.approvals.digest import SUBJECT as DIGEST_SUBJECT
from isg.approvals.digest import send_digests
from isg.approvals.handover import start_due_away_periods
from isg.approvals.models import Approval
from isg.approvals.services import escalate_overdue
from isg.decisions.models import Decision
from isg.directory.models import Organisation
from isg.followups.models import FollowUp
from tests.factories import make_decision, make_manager
from tests.records.reading import pages_text

from .conftest import assert_accessible
from .test_approvals import as_user, decide, make_team, submit
from .test_disclosures import SOCIAL_CARE, fill_date
from .walking import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECONSIDER = "Reconsider telling the person"
NOT_TOLD_REASON = "Telling them would increase the risk of harm"
WHAT = "Dates and description of the bruising"


def at(clock, day: int, hour: int) -> None:
    """Move the test clock to a day in March 2026, UK time (GMT in March before the 29th)."""
    clock.set(datetime.datetime(2026, 3, day, hour, 0, tzinfo=datetime.UTC))


def axe(page: Page, javascript: bool) -> None:
    if javascript:
        assert_accessible(page)


def register_lists(page: Page, base: str, tick: str, param: str) -> list[str]:
    """Tick one filter on the register (the only one), apply it, and read the case references listed."""
    page.goto(f"{base}/register/")
    expect(page.locator("#register-count")).to_have_text("3 decisions match")
    page.get_by_label(tick).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"[?&]{param}=yes"))
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    return page.locator("#register-table tbody tr td:nth-child(2) a").all_inner_texts()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_after_the_decision_share_tell_agree_remind_escalate_cover_and_read(
    browser, live_server, mailoutbox, clock, javascript,
):
    base = live_server.url
    team = make_team()
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=team.manager.agency,
                          line_manager=team.director, email="deputy@example.org")
    User.objects.filter(pk=team.manager.pk).update(deputy=deputy)
    Organisation.objects.create(name=SOCIAL_CARE, kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE)
    # Two public-interest decisions wait for `manager` before sharing: one she will let go past its limit
    # (escalated), one she will approve late.
    waiting = make_decision(team.practitioner, "public_interest_share", submit=True, case_reference="WAIT-2")
    late = make_decision(team.practitioner, "public_interest_share", submit=True, case_reference="LATE-3")
    assert Approval.objects.get(decision=waiting).approver == team.manager

    # -- 1. Serious harm to a child: shared at once, reviewed after ----------------------------------------
    practitioner = as_user(browser, live_server, "practitioner", javascript)
    submit(practitioner, base, "child_referral_after_sharing", "AFTER-1")
    record(practitioner)
    outcome_url = practitioner.url
    expect(practitioner.locator("h1")).to_have_text("Share now: your approver reviews it today")
    expect(practitioner.locator("#approval-status")).to_contain_text("Shared: waiting for review")
    decision = Decision.objects.get(case_reference="AFTER-1")
    assert decision.status == Decision.Status.AWAITING_REVIEW

    # -- 2. The share to children's social care, and that the mother was not told ---------------------------
    practitioner.get_by_role("link", name="Record a share").click()
    expect(practitioner.locator("h1")).to_have_text("Record a share")
    now = timezone.localtime()
    fill_date(practitioner, "shared_on", now.date())
    practitioner.get_by_label("Time shared").fill(now.strftime("%H:%M"))
    practitioner.get_by_label("Organisation shared with").select_option(label=SOCIAL_CARE)
    practitioner.get_by_label("Person or role you shared with").fill("Duty and Assessment Team")
    practitioner.get_by_label("Secure email", exact=True).check()
    practitioner.get_by_label("What you shared").fill(WHAT)
    practitioner.locator('input[name="receipt_confirmed"][value="yes"]').check()
    practitioner.get_by_role("button", name="Record the share").click()
    expect(practitioner).to_have_url(re.compile(r"/outcome/#what-was-shared$"))
    expect(practitioner.locator("main")).to_contain_text(f"Share with {SOCIAL_CARE} recorded")

    practitioner.get_by_role("link", name="Record who was told").click()
    expect(practitioner.locator("h1")).to_have_text("Record who was told")
    practitioner.get_by_label("No, they have not been told").check()
    practitioner.locator('input[name="not_told_reason"][value="increases_risk"]').check()
    reconsider_by = datetime.date(2026, 3, 16)  # two weeks on
    fill_date(practitioner, "reconsider_by", reconsider_by)
    practitioner.get_by_role("button", name="Record it").click()
    expect(practitioner).to_have_url(re.compile(r"/outcome/#what-was-shared$"))
    expect(practitioner.locator("main")).to_contain_text("Recorded that the person was not told")
    expect(practitioner.locator("main")).to_contain_text(NOT_TOLD_REASON)
    expect(practitioner.locator("main")).to_contain_text("16 March 2026")

    # -- 3. `manager` agrees it the same day -----------------------------------------------------------------
    manager = as_user(browser, live_server, "manager", javascript)
    manager.goto(f"{base}/approvals/")
    expect(manager.locator("tr", has_text="AFTER-1")).to_contain_text("Shared: review")
    manager.get_by_role("link", name="AFTER-1").click()
    expect(manager.locator("#id_action-hint")).to_contain_text("This has been shared already: you are reviewing it")
    decide(manager, "Agree: the sharing was right", "Right to refer at once: the bruising needed a s47 response")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You agreed with the sharing")
    assert Decision.objects.get(pk=decision.pk).status == Decision.Status.AGREED
    manager.context.close()

    # -- 4. The practitioner's To do shows the task to reconsider telling ------------------------------------
    practitioner.get_by_role("link", name="To do").first.click()
    expect(practitioner.locator("h1")).to_have_text("To do")
    task = practitioner.locator(".govuk-summary-card", has_text=RECONSIDER)
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Case reference AFTER-1")
    expect(task).to_contain_text("Monday 16 March 2026")
    expect(task).not_to_contain_text("Overdue")
    axe(practitioner, javascript)
    practitioner.context.close()

    # -- 7. Past its limit, `manager` approves LATE-3: its page says "Approved late" --------------------------
    at(clock, 17, 9)  # Tuesday 17 March: the task (16 March) and both approvals (2 March) are overdue
    manager = as_user(browser, live_server, "manager", javascript)
    manager.goto(f"{base}/approvals/{late.public_id}/")
    decide(manager, "Approve: they may share now", "Proportionate, though I am late to it")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You approved the decision")
    manager.goto(f"{base}/decisions/{late.public_id}/outcome/")
    expect(manager.locator("#decided-late")).to_have_text("Approved late")
    axe(manager, javascript)

    # -- 5. The daily reminder: one email a person; then the register; then the escalation -------------------
    mailoutbox.clear()
    summary = send_digests()
    digests = [m for m in mailoutbox if m.subject == DIGEST_SUBJECT]
    assert sorted(m.to[0] for m in digests) == ["manager@example.org", "pat@example.org"], [m.to for m in digests]
    to_pat = next(m for m in digests if m.to == ["pat@example.org"])
    assert f"- {RECONSIDER}: overdue, was due Monday 16 March 2026" in to_pat.body, to_pat.body
    assert "AFTER-1" not in to_pat.body  # the email names no case
    to_manager = next(m for m in digests if m.to == ["manager@example.org"])
    assert "Approvals: 1 waiting for you is due today or overdue (1 overdue)." in to_manager.body, to_manager.body
    assert summary.sent == 2
    assert send_digests().sent == 0 and len(mailoutbox) == 2  # never twice a day

    practitioner = as_user(browser, live_server, "practitioner", javascript)
    practitioner.goto(f"{base}/to-do/")
    expect(practitioner.locator(".govuk-summary-card", has_text=RECONSIDER)).to_contain_text("Overdue")
    expect(practitioner.locator("main")).to_contain_text("1 overdue")
    practitioner.context.close()

    reader = as_user(browser, live_server, "lscb", javascript)
    assert register_lists(reader, base, "Follow-ups past their due time (a review, telling the person, a "
                                         "breach assessment)", "followups") == ["AFTER-1"]
    axe(reader, javascript)
    assert register_lists(reader, base, "Approvals and reviews waiting past their due time", "overdue") == ["WAIT-2"]
    reader.context.close()

    assert escalate_overdue() == 1
    escalations = [m for m in mailoutbox if m.to == ["director@example.org"]]
    assert len(escalations) == 1 and f"/approvals/{waiting.public_id}/" in escalations[0].body
    assert Approval.objects.get(decision=waiting).approver == team.director

    # -- 6. `manager` away from tomorrow: when the day comes, her waiting decision goes to her deputy ----------
    away = make_decision(team.practitioner, "public_interest_share", submit=True, case_reference="AWAY-4")
    assert Approval.objects.get(decision=away).approver == team.manager
    manager.goto(f"{base}/accounts/away/")
    expect(manager.locator("h1")).to_have_text("When you are away")
    expect(manager.locator("main")).to_contain_text("your deputy, Dev Desai")
    fill_date(manager, "starts_on", datetime.date(2026, 3, 18))
    manager.get_by_label("Reason (optional)").fill("Annual leave")
    manager.get_by_role("button", name="Save the away period").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("You are away from")
    expect(manager.locator("#away-periods")).to_contain_text("18 March 2026")
    axe(manager, javascript)
    assert Approval.objects.get(decision=away).approver == team.manager  # not away yet
    manager.context.close()

    at(clock, 18, 7)  # Wednesday 18 March, before the working day: the daily step runs
    assert start_due_away_periods() == 1
    assert Approval.objects.get(decision=away).approver == deputy
    covering = as_user(browser, live_server, "deputy", javascript)
    covering.get_by_role("link", name=re.compile("^Approvals")).click()
    expect(covering.locator("#covering")).to_contain_text("You are covering for Margaret Hughes")
    expect(covering.locator("tr", has_text="AWAY-4")).to_have_count(1)
    axe(covering, javascript)
    covering.context.close()

    # -- 8. The partnership reader: the share, the telling and the tasks in the history and the PDF -----------
    reader = as_user(browser, live_server, "lscb", javascript)
    reader.goto(outcome_url)
    reader.get_by_role("link", name="History of this decision").click()
    expect(reader.locator("h1")).to_have_text("History of this decision")
    history = reader.locator("#history")
    for words in ("Share recorded", "Recorded whether the person was told", "Follow-up opened", "Agreed"):
        expect(history).to_contain_text(words)
    expect(history).to_contain_text(RECONSIDER)
    axe(reader, javascript)

    reader.goto(outcome_url)
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Download the decision record (PDF)").click()
    assert download.value.failure() is None
    text = " ".join(pages_text(Path(download.value.path()).read_bytes()))
    assert "AFTER-1" in text and SOCIAL_CARE in text and WHAT in text
    assert "The person has not been told" in text and "16 March 2026" in text, text
    tasks = text[text.index("Tasks after the decision"):]
    assert f"{RECONSIDER} Pat Practitioner 16 March 2026, 17:00 Not yet" in tasks, tasks
    assert FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.RECONSIDER_TELLING).count() == 1
    reader.context.close()
