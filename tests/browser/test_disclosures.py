"""After the decision, in a real browser with JavaScript and without: a child at risk of serious harm is
referred to children's social care at once (a review after sharing); the practitioner records the share
and that the mother was not told (with the flowchart's reason and a date to reconsider). The partnership
reader sees both, with no link to record anything. axe-core runs on each new page type (with JavaScript).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from isg.decisions.models import Decision
from isg.directory.models import Organisation
from isg.disclosures.models import Share, Telling
from isg.followups.models import FollowUp

from .conftest import assert_accessible
from .test_approvals import as_user, assert_links_open, make_team, submit
from .walking import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIAL_CARE = "Bath and North East Somerset Children's Social Care"


def shot(page: Page, name: str, javascript: bool) -> None:
    page.screenshot(path=f"/tmp/disclosures-{name}-{'js' if javascript else 'nojs'}.png", full_page=True)


def fill_date(page: Page, name: str, day: datetime.date) -> None:
    page.locator(f"#id_{name}_day").fill(str(day.day))
    page.locator(f"#id_{name}_month").fill(str(day.month))
    page.locator(f"#id_{name}_year").fill(str(day.year))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_practitioner_records_the_referral_and_that_the_mother_was_not_told(browser, live_server, javascript):
    make_team()
    Organisation.objects.create(name=SOCIAL_CARE, kind=Organisation.Kind.CHILDRENS_SOCIAL_CARE)
    practitioner = as_user(browser, live_server, "practitioner", javascript)
    submit(practitioner, live_server.url, "child_referral_after_sharing", "TOLD-1")
    record(practitioner)
    outcome_url = practitioner.url
    expect(practitioner.locator("#what-was-shared")).to_have_text("What was shared")
    expect(practitioner.locator("#no-shares")).to_contain_text("No share has been recorded yet")

    # The share: a form error first (nothing filled in), then the share as made.
    practitioner.get_by_role("link", name="Record a share").click()
    expect(practitioner.locator("h1")).to_have_text("Record a share")
    if javascript:
        assert_accessible(practitioner)
    practitioner.get_by_role("button", name="Record the share").click()
    summary = practitioner.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date shared")
    expect(summary).to_contain_text("Select the organisation you shared with, or name another")
    shot(practitioner, "share-errors", javascript)
    if javascript:
        assert_accessible(practitioner)
    now = timezone.localtime()
    fill_date(practitioner, "shared_on", now.date())
    practitioner.get_by_label("Time shared").fill(now.strftime("%H:%M"))
    practitioner.get_by_label("Organisation shared with").select_option(label=SOCIAL_CARE)
    practitioner.get_by_label("Person or role you shared with").fill("Duty and Assessment Team")
    practitioner.get_by_label("Secure email", exact=True).check()
    practitioner.get_by_label("What you shared").fill("Dates and description of the bruising")
    practitioner.get_by_label("Anything you held back (optional)").fill("Her older brother's records")
    practitioner.locator('input[name="receipt_confirmed"][value="yes"]').check()
    practitioner.get_by_role("button", name="Record the share").click()
    expect(practitioner).to_have_url(re.compile(r"/outcome/#what-was-shared$"))
    expect(practitioner.locator(".govuk-notification-banner, .govuk-panel, main").first).to_contain_text(
        f"Share with {SOCIAL_CARE} recorded")
    section = practitioner.locator("main")
    expect(section).to_contain_text("Duty and Assessment Team")
    expect(section).to_contain_text("Dates and description of the bruising")

    # Who was told: the mother was not, for now.
    practitioner.get_by_role("link", name="Record who was told").click()
    expect(practitioner.locator("h1")).to_have_text("Record who was told")
    if javascript:
        assert_accessible(practitioner)
    practitioner.get_by_label("No, they have not been told").check()
    practitioner.locator('input[name="not_told_reason"][value="increases_risk"]').check()
    reconsider = timezone.localdate() + datetime.timedelta(days=14)
    fill_date(practitioner, "reconsider_by", reconsider)
    shot(practitioner, "telling", javascript)
    practitioner.get_by_role("button", name="Record it").click()
    expect(practitioner).to_have_url(re.compile(r"/outcome/#what-was-shared$"))
    expect(practitioner.locator("main")).to_contain_text("Recorded that the person was not told")
    expect(practitioner.locator("main")).to_contain_text("Telling them would increase the risk of harm")
    expect(practitioner.locator("main")).to_contain_text(f"{reconsider:%-d %B %Y}")
    if javascript:
        assert_accessible(practitioner)
    shot(practitioner, "outcome", javascript)

    decision = Decision.objects.get(case_reference="TOLD-1")
    assert decision.status == Decision.Status.AWAITING_REVIEW
    assert Share.objects.get(decision=decision).organisation.name == SOCIAL_CARE
    assert not Telling.objects.get(decision=decision).told
    assert FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.RECONSIDER_TELLING).count() == 1

    # The partnership reader sees what was shared and who was told, and no link to record either.
    reader = as_user(browser, live_server, "lscb", javascript)
    assert reader.goto(outcome_url).status == 200
    expect(reader.locator("main")).to_contain_text("Dates and description of the bruising")
    expect(reader.locator("main")).to_contain_text("Telling them would increase the risk of harm")
    expect(reader.get_by_role("link", name="Record a share")).to_have_count(0)
    expect(reader.get_by_role("link", name="Record who was told")).to_have_count(0)
    assert_links_open(reader)
    for page in (practitioner, reader):
        page.context.close()
