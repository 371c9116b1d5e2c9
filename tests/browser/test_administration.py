"""An administrator runs ISG in a real browser, with JavaScript and without (issue 16).

Signed in with their second factor, they import ten people from a CSV file (one bad row refused with its
reason, then all ten after the fix), invite one more, who follows the emailed link, chooses a password and
signs in; they name `manager`'s deputy and set `manager` away, and the decision waiting for `manager` goes
to `deputy`; they switch `deputy`'s account off, and it goes on to `director`. axe-core runs on every new
page type (with JavaScript); conftest fails the test on any console error. No page the administrator
reaches shows a Django admin link, a superuser, staff or permission field, or any case content.
"""

from __future__ import annotations

import os
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from isg.accounts.models import AccessChange, User
from isg.approvals.models import Approval
from isg.directory.models import Organisation
from tests.factories import make_agency, make_decision, make_manager, make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANARY = "ZZCANARY-ADMIN-4c1d"
CHOSEN = "harbour-lantern-orchard-61"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/\?token=[A-Za-z0-9_-]+)")
SCREENSHOTS = os.environ.get("ISG_SCREENSHOTS")  # a folder, to keep a screenshot of each page while developing
FORBIDDEN = re.compile(r'href="/admin/|is_superuser|is_staff|user_permissions|Superuser status|Staff status|'
                       r'[Pp]ermissions')
TEN = """email,name,role,agency,line_manager_email,deputy_email
ava@north.example.org,Ava Adams,practitioner,North agency,lena@north.example.org,
ben@north.example.org,Ben Brown,practitioner,North agency,lena@north.example.org,
cara@north.example.org,Cara Cole,practitioner,North agency,lena@north.example.org,
dan@north.example.org,Dan Dale,practitioner,{agency},lena@north.example.org,
eve@north.example.org,Eve Evans,practitioner,North agency,lena@north.example.org,
finn@north.example.org,Finn Ford,practitioner,North agency,omar@north.example.org,
gita@north.example.org,Gita Gill,practitioner,North agency,omar@north.example.org,
hugo@north.example.org,Hugo Hart,practitioner,North agency,omar@north.example.org,
lena@north.example.org,Lena Lowe,line_manager,North agency,director@north.example.org,omar@north.example.org
omar@north.example.org,Omar Otto,Line manager,North agency,director@north.example.org,
"""


def check(page: Page, javascript: bool, name: str) -> None:
    """Every page: nothing of Django's admin or of a case; axe-core with JavaScript; a screenshot if asked."""
    html = page.content()
    assert not FORBIDDEN.search(html), (name, FORBIDDEN.search(html).group())
    assert CANARY not in html, name
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/admin-{name}-{'js' if javascript else 'nojs'}.png", full_page=True)
    if javascript:
        assert_accessible(page)


def upload(page: Page, text: str) -> None:
    page.set_input_files("#id_file", files=[{"name": "people.csv", "mimeType": "text/csv",
                                              "buffer": text.encode("utf-8")}])
    page.get_by_role("button", name="Check the file").click()


def waiting_for(page: Page, base: str, user: User) -> str:
    page.goto(f"{base}/admin-pages/people/{user.pk}/")
    return page.locator("#waiting-approvals").inner_text()


@pytest.fixture
def north():
    agency = make_agency(name="North agency")
    director = make_manager(username="director", first_name="Dana", last_name="Reid", agency=agency,
                            email="director@north.example.org")
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=agency, line_manager=director,
                          email="deputy@north.example.org")
    manager = make_manager(username="manager", first_name="Margaret", last_name="Hughes", agency=agency,
                           line_manager=director, email="manager@north.example.org")
    pat = make_user(username="pat", first_name="Pat", last_name="Practitioner", agency=agency, line_manager=manager,
                    email="pat@north.example.org")
    make_user(username="admin", first_name="Alex", last_name="Admin", role=User.Role.ADMIN, agency=None)
    decision = make_decision(pat, "outcome_share_without_consent", submit=True, case_reference=CANARY, text=CANARY)
    assert Approval.objects.get(decision=decision).approver == manager
    return agency, director, deputy, manager, decision


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_administrator_imports_invites_sets_away_and_switches_off(browser, live_server, north, javascript):
    agency, director, deputy, manager, decision = north
    base = live_server.url
    page = browser.new_context(java_script_enabled=javascript).new_page()
    sign_in(page, base, "admin")  # with the authenticator app's code (tests.factories gives admins one)
    expect(page).to_have_url(re.compile(r"/admin-pages/people/$"))
    expect(page.locator("h1")).to_have_text("People")
    check(page, javascript, "people")

    # -- import ten people: one bad row refused with its reason, then all ten after the fix ----------------
    page.get_by_role("button", name="Import people from a file").click()
    expect(page.locator("h1")).to_have_text("Import people from a file")
    check(page, javascript, "import")
    mail.outbox = []
    upload(page, TEN.format(agency="Atlantis"))
    expect(page.locator("h1")).to_have_text("Check the people to import")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Row 5: No agency in ISG is called “Atlantis”")
    expect(page.locator("#import-verdict")).to_contain_text("Nothing has been saved")
    expect(page.get_by_role("button", name=re.compile("Import and invite"))).to_have_count(0)
    check(page, javascript, "import-errors")
    summary.get_by_role("link", name=re.compile("Row 5")).click()
    expect(page.locator("#row-5")).to_contain_text("dan@north.example.org")
    assert not User.objects.filter(email__endswith="@north.example.org", username__in=["ava", "lena"]).exists()
    assert mail.outbox == []

    page.get_by_role("link", name="Upload another file").first.click()
    upload(page, TEN.format(agency="North agency"))
    expect(page.locator("#import-verdict")).to_contain_text("Every row is right")
    check(page, javascript, "import-ready")
    page.get_by_role("button", name="Import and invite 10 people").click()
    # The two line managers read case records: their links wait for a second administrator.
    expect(page.locator(".govuk-notification-banner")).to_contain_text("10 people imported. 8 will get an email")
    assert len([sent for sent in mail.outbox if LINK.search(sent.body)]) == 8
    lena = User.objects.get(email="lena@north.example.org")
    assert lena.role == "line_manager" and lena.deputy.email == "omar@north.example.org"
    assert User.objects.get(email="dan@north.example.org").line_manager == lena

    # -- invite one, who follows the link, chooses a password and signs in ----------------------------------
    page.get_by_role("button", name="Invite someone").click()
    page.get_by_label("Full name").fill("Nia Newton")
    page.get_by_label("Work email address").fill("nia@north.example.org")
    page.get_by_label("Practitioner").check()
    page.get_by_label("Agency (if their role has one)").select_option(label="North agency")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Invitation sent to nia@north.example.org")
    expect(page.locator("h1")).to_have_text("Nia Newton")
    expect(page.locator("#account-status")).to_contain_text("not set up yet")
    check(page, javascript, "person-invited")
    path = LINK.search(mail.outbox[-1].body).group(1)
    newcomer = browser.new_context(java_script_enabled=javascript).new_page()
    newcomer.goto(f"{base}{path}")
    expect(newcomer.locator("h1")).to_have_text("Set up your account")
    newcomer.get_by_label("New password", exact=True).fill(CHOSEN)
    newcomer.get_by_label("New password confirmation").fill(CHOSEN)
    newcomer.get_by_role("button", name="Save password and continue").click()
    expect(newcomer.locator("h1")).to_have_text("My decisions")
    newcomer.context.clear_cookies()
    sign_in(newcomer, base, "nia", CHOSEN)
    expect(newcomer.locator("h1")).to_have_text("My decisions")
    newcomer.context.close()

    # -- name manager's deputy, then set manager away: the waiting decision goes to the deputy ---------------
    page.goto(f"{base}/admin-pages/people/{manager.pk}/")
    expect(page.locator("#waiting-approvals")).to_have_text("1 decision")
    page.get_by_role("button", name="Change their details").click()
    expect(page.locator("h1")).to_have_text("Change Margaret Hughes's details")
    check(page, javascript, "edit")
    page.get_by_label("Deputy").select_option(label="Dev Desai (deputy, North agency)")
    page.get_by_role("button", name="Check the changes").click()
    expect(page.locator("#changes")).to_contain_text("Dev Desai")
    check(page, javascript, "check-changes")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("details have been changed")

    page.get_by_role("link", name="Add an away period").click()
    expect(page.locator("h1")).to_have_text("Add an away period for Margaret Hughes")
    page.get_by_role("button", name="Save the away period").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the first day away")
    check(page, javascript, "away-errors")
    today = timezone.localdate()
    page.get_by_label("Day").first.fill(str(today.day))
    page.get_by_label("Month").first.fill(str(today.month))
    page.get_by_label("Year").first.fill(str(today.year))
    page.get_by_label("Reason (optional)").fill("Annual leave")
    page.get_by_role("button", name="Save the away period").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Margaret Hughes is away from")
    expect(page.locator("#account-status")).to_contain_text("away today")
    expect(page.locator("#waiting-approvals")).to_have_text("0 decisions")
    check(page, javascript, "person-away")
    assert Approval.objects.get(decision=decision).approver == deputy
    assert waiting_for(page, base, deputy) == "1 decision"

    # -- switch the deputy off: signed out everywhere, and the decision goes on to director -----------------
    page.get_by_role("button", name="Switch off their account").click()
    expect(page.locator("#handed-over")).to_contain_text("1 decision waiting for their approval is handed over")
    check(page, javascript, "deactivate")
    page.get_by_role("button", name="Switch off the account").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 waiting approval handed over")
    expect(page.locator("#account-status")).to_have_text("Switched off")
    assert Approval.objects.get(decision=decision).approver == director
    assert waiting_for(page, base, director) == "1 decision"
    page.context.close()


def test_the_other_administration_pages_and_the_second_person(browser, live_server, north):
    """With JavaScript, axe-core on every other new page; a change that gives access confirmed by a
    second administrator; the partnership reads the log; a manager sets their own away period."""
    agency, director, deputy, manager, decision = north
    base = live_server.url
    Organisation.objects.create(name="North agency", kind="member_agency", agency=agency)
    make_user(username="admin2", first_name="Sam", last_name="Second", role=User.Role.ADMIN, agency=None)
    make_user(username="lscb", first_name="Laura", last_name="Simmons", role=User.Role.PARTNERSHIP, agency=None,
              is_partnership_lead=True)
    pat = User.objects.get(username="pat")
    page = browser.new_context().new_page()
    sign_in(page, base, "admin")

    # A change that gives access is asked for, shown waiting, and confirmed by the second administrator.
    page.goto(f"{base}/admin-pages/people/{pat.pk}/change/")
    page.locator('input[name="role"][value="line_manager"]').check()
    page.get_by_label("Deputy").select_option(label="None")
    page.get_by_role("button", name="Check the changes").click()
    expect(page.locator("#needs-confirmation")).to_be_visible()
    page.get_by_role("button", name="Ask for confirmation").click()
    expect(page.locator("#waiting-change")).to_contain_text("Role: Practitioner → Line manager")
    check(page, True, "person-waiting")
    page.get_by_role("link", name="Changes to confirm").click()
    check(page, True, "changes")
    change = AccessChange.objects.get(person=pat)
    page.goto(f"{base}/admin-pages/changes/{change.pk}/")
    expect(page.locator("#cannot-decide")).to_contain_text("You asked for this change")
    check(page, True, "change-asker")

    for path, name in [("/admin-pages/agencies/", "agencies"), ("/admin-pages/agencies/add/", "agency-add"),
                       (f"/admin-pages/agencies/{agency.pk}/change/", "agency-edit"),
                       ("/admin-pages/organisations/", "organisations"),
                       ("/admin-pages/organisations/add/", "organisation-add"),
                       (f"/admin-pages/organisations/{Organisation.objects.get().pk}/change/", "organisation-edit"),
                       (f"/admin-pages/people/{pat.pk}/second-factor/", "second-factor"),
                       ("/administration-log/", "log")]:
        page.goto(f"{base}{path}")
        check(page, True, name)
    page.goto(f"{base}/admin-pages/organisations/add/")
    page.get_by_role("button", name="Add the organisation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the organisation's name")
    check(page, True, "organisation-errors")

    # Every link an administrator can follow from their pages: none to Django's admin or a decision.
    for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert not href.startswith(("/admin/", "/decisions/", "/approvals/", "/records/", "/register/")), href
    page.context.close()

    second = browser.new_context().new_page()
    sign_in(second, base, "admin2")
    second.goto(f"{base}/admin-pages/changes/{change.pk}/")
    check(second, True, "change-decide")
    second.get_by_role("button", name="Confirm the change").click()
    expect(second.locator(".govuk-notification-banner")).to_contain_text("Change confirmed: Pat Practitioner")
    assert User.objects.get(pk=pat.pk).role == "line_manager"
    second.context.close()

    lscb = browser.new_context().new_page()
    sign_in(lscb, base, "lscb")
    lscb.get_by_role("link", name="Administration log").click()
    expect(lscb.locator("#admin-log")).to_contain_text("Role: Practitioner → Line manager")
    expect(lscb.locator("#admin-log")).to_contain_text("Sam Second (admin2)")
    lscb.get_by_label("Person").select_option(label="Pat Practitioner (pat)")
    lscb.get_by_role("button", name="Apply filters").click()
    expect(lscb.locator("#log-count")).to_contain_text("3 changes match")
    check(lscb, True, "log-filtered")
    lscb.context.close()

    own = browser.new_context().new_page()
    sign_in(own, base, "manager")
    own.goto(f"{base}/accounts/")
    own.get_by_role("link", name="When you are away").click()
    expect(own.locator("h1")).to_have_text("When you are away")
    check(own, True, "own-away")
    own.context.close()
