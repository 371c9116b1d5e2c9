"""The administrator's People pages (isg/accounts/people_views.py, away_views.py): the list, a person's page,
changing details through a check page, switching accounts off and on, invitations, second factors, away
periods; never a superuser, staff or permission field, a Django admin link, or case content."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from isg.accounts.invitations import invite
from isg.accounts.models import AccessChange, AwayPeriod, User
from isg.approvals.models import Approval
from isg.audit.models import AuditEvent
from tests.accounts.helpers import post
from tests.factories import make_agency, make_manager, make_user
from tests.waiting import make_waiting_decision

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
CANARY = "ZZCANARY-CASE-7f3a"
# What the administrator role must never be shown (issue 16): Django's admin and its rights.
FORBIDDEN = re.compile(r'href="/admin/|is_superuser|is_staff|user_permissions|Superuser status|Staff status|'
                       r'[Pp]ermissions|name="password|name="groups"')


@pytest.fixture
def org():
    north, south = make_agency(name="North agency"), make_agency(name="South agency")
    director = make_manager(username="director", first_name="Dana", last_name="Reid", agency=north,
                            email="dana@north.example.org")
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=north, line_manager=director,
                          email="dev@north.example.org")
    manager = make_manager(username="manager", first_name="Margaret", last_name="Hughes", agency=north,
                           line_manager=director, deputy=deputy, email="margaret@north.example.org")
    pat = make_user(username="pat", first_name="Pat", last_name="Smith", agency=north, line_manager=manager,
                    email="pat@north.example.org")
    sam = make_user(username="sam", first_name="Sam", last_name="South", agency=south, email="sam@south.example.org")
    admin = make_user(username="admin", first_name="Alex", last_name="Admin", role=User.Role.ADMIN, agency=None)
    decision = make_waiting_decision(pat, manager, case_reference=CANARY)
    from types import SimpleNamespace

    return SimpleNamespace(north=north, south=south, director=director, deputy=deputy, manager=manager, pat=pat,
                           sam=sam, admin=admin, decision=decision)


@pytest.fixture
def admin_browser(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    client.get("/accounts/")  # the CSRF cookie
    return client


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    assert not FORBIDDEN.search(body), (url, FORBIDDEN.search(body).group())
    assert CANARY not in body, url
    return body


def edit_data(person: User, **changes) -> dict:
    data = {"name": person.get_full_name(), "email": person.email, "role": person.role,
            "agency": person.agency_id or "", "line_manager": person.line_manager_id or "",
            "deputy": person.deputy_id or ""}
    data.update(changes)
    return data


# -- the list and a person's page ------------------------------------------------------------------------


def test_an_administrator_starts_at_people_and_the_menu_has_no_django_admin(admin_browser):
    assert admin_browser.get("/")["Location"] == "/admin-pages/people/"
    body = page(admin_browser, "/admin-pages/people/")
    for item in ("People", "Agencies", "Organisations", "Changes to confirm", "Administration log"):
        assert f">{item}</a>" in body
    assert ">Case studies</a>" not in body  # a page administrators may not open


def test_the_list_finds_people_by_words_agency_role_and_account(admin_browser, org):
    body = page(admin_browser, "/admin-pages/people/")
    assert "Pat Smith" in body and "Sam South" in body and "pat@north.example.org" in body
    body = page(admin_browser, "/admin-pages/people/?q=smith+pat")
    assert "Pat Smith" in body and "Sam South" not in body
    body = page(admin_browser, f"/admin-pages/people/?agency={org.south.pk}")
    assert "Sam South" in body and "Pat Smith" not in body
    body = page(admin_browser, "/admin-pages/people/?role=line_manager")
    assert "Margaret Hughes" in body and "Pat Smith" not in body
    User.objects.filter(pk=org.sam.pk).update(is_active=False)
    assert "Sam South" not in page(admin_browser, "/admin-pages/people/")
    assert "Sam South" in page(admin_browser, "/admin-pages/people/?status=inactive")
    assert "Sam South" in page(admin_browser, "/admin-pages/people/?status=all")
    assert "Pat Smith" in page(admin_browser, "/admin-pages/people/?agency=nonsense&role=wizard")  # a bad link shows everyone


def test_the_list_marks_who_is_invited_away_waiting_for_a_change_or_without_an_approver(admin_browser, org):
    invite(email="new@north.example.org", name="Nia New", role="practitioner", agency=org.north, invited_by=org.admin)
    AwayPeriod.objects.create(user=org.deputy, starts_on=TODAY)
    User.objects.filter(pk=org.deputy.pk).update(is_away=True)
    AccessChange.objects.create(person=org.pat, requested_by=org.admin, changes={"role": ["practitioner", "admin"]})
    body = page(admin_browser, "/admin-pages/people/?status=all")
    row = {name: re.search(rf'data-person="{name}">(.*?)</tr>', body, re.S).group(1)
           for name in ("new", "deputy", "pat", "sam")}
    assert "Invited" in row["new"] and "Away" in row["deputy"] and "Change waiting" in row["pat"]
    assert "Approvals reach nobody" in row["sam"] and "Approvals reach nobody" not in row["pat"]


def test_the_list_is_paginated(admin_browser, org):
    for n in range(55):
        make_user(username=f"bulk{n:02}", first_name="Bulk", last_name=f"{n:02}", agency=org.north)
    first = page(admin_browser, "/admin-pages/people/?role=practitioner")
    assert "57 people" in first and first.count('data-person="') == 50 and 'rel="next"' in first
    second = page(admin_browser, "/admin-pages/people/?role=practitioner&page=2")
    assert "page 2 of 2" in second and 'rel="prev"' in second and "role=practitioner" in second


def test_a_persons_page_is_a_summary_with_no_case_content(admin_browser, org):
    body = page(admin_browser, f"/admin-pages/people/{org.manager.pk}/")
    for text in ("Margaret Hughes", "margaret@north.example.org", "Line manager", "North agency", "Dana Reid",
                 "Dev Desai", "Pat Smith", "1 decision"):
        assert text in body, text
    assert 'id="routes-nowhere"' not in body
    assert "Sam South" not in page(admin_browser, f"/admin-pages/people/{org.pat.pk}/")
    assert 'id="routes-nowhere"' in page(admin_browser, f"/admin-pages/people/{org.sam.pk}/")
    assert admin_browser.get("/admin-pages/people/999999/").status_code == 404


# -- changing details ----------------------------------------------------------------------------------


def test_a_change_is_checked_on_its_own_page_then_saved(admin_browser, org):
    url = f"/admin-pages/people/{org.pat.pk}/change/"
    form = page(admin_browser, url)
    assert 'value="pat@north.example.org"' in form and 'name="deputy"' in form
    check = post(admin_browser, url, edit_data(org.pat, line_manager=org.deputy.pk)).content.decode()
    assert "Check the changes to Pat Smith" in check and "Margaret Hughes" in check and "Dev Desai" in check
    assert "Save the changes" in check and not FORBIDDEN.search(check)
    org.pat.refresh_from_db()
    assert org.pat.line_manager == org.manager  # nothing saved yet
    response = post(admin_browser, url, {**edit_data(org.pat, line_manager=org.deputy.pk), "confirm": "1"})
    assert response["Location"] == f"/admin-pages/people/{org.pat.pk}/"
    org.pat.refresh_from_db()
    assert org.pat.line_manager == org.deputy
    assert "details have been changed" in page(admin_browser, response["Location"])


def test_a_change_that_gives_access_is_asked_for_and_shows_on_the_persons_page(admin_browser, org):
    url = f"/admin-pages/people/{org.pat.pk}/change/"
    check = post(admin_browser, url, edit_data(org.pat, role="line_manager")).content.decode()
    assert "Ask for confirmation" in check and 'id="needs-confirmation"' in check
    post(admin_browser, url, {**edit_data(org.pat, role="line_manager"), "confirm": "1"})
    org.pat.refresh_from_db()
    assert org.pat.role == "practitioner"
    body = page(admin_browser, f"/admin-pages/people/{org.pat.pk}/")
    assert "Waiting for confirmation" in body and "Role: Practitioner → <strong>Line manager</strong>" in body
    # Nothing else changes while it waits.
    assert admin_browser.get(url)["Location"] == f"/admin-pages/people/{org.pat.pk}/"


def test_naming_the_designated_safeguarding_lead_is_checked_then_asked_for(admin_browser, org):
    manager = org.deputy
    url = f"/admin-pages/people/{manager.pk}/change/"
    assert "Designated safeguarding lead" in page(admin_browser, url)
    data = edit_data(manager, is_designated_safeguarding_lead="on")
    check = post(admin_browser, url, data).content.decode()
    assert "Designated safeguarding lead" in check and 'id="needs-confirmation"' in check
    assert 'name="is_designated_safeguarding_lead" value="on"' in check  # carried to the confirming post
    post(admin_browser, url, {**data, "confirm": "1"})
    manager.refresh_from_db()
    assert not manager.is_designated_safeguarding_lead
    body = page(admin_browser, f"/admin-pages/people/{manager.pk}/")
    assert "Designated safeguarding lead: No → <strong>Yes</strong>" in body


def test_a_bad_change_is_explained_with_the_error_summary(admin_browser, org):
    other = make_manager(agency=org.south)
    url = f"/admin-pages/people/{org.pat.pk}/change/"
    body = post(admin_browser, url, edit_data(org.pat, email="", role="")).content.decode()
    assert "There is a problem" in body and "Enter their work email address" in body and "Choose their role" in body
    body = post(admin_browser, url, edit_data(org.pat, line_manager=other.pk, deputy=org.deputy.pk)).content.decode()
    assert "There is a problem" in body and "same agency" in body and "Only line managers have a deputy" in body
    assert 'href="#id_line_manager"' in body and 'href="#id_deputy"' in body
    org.pat.refresh_from_db()
    assert org.pat.line_manager == org.manager


def test_taking_someone_off_line_management_warns_whose_approvals_would_reach_nobody(admin_browser, org):
    loner_agency = make_agency(name="Tiny agency")
    boss = make_manager(agency=loner_agency, first_name="Only", last_name="Boss", email="boss@tiny.example.org")
    make_user(agency=loner_agency, first_name="Lee", last_name="Alone")
    check = post(admin_browser, f"/admin-pages/people/{boss.pk}/change/",
                 edit_data(boss, role="practitioner")).content.decode()
    assert 'id="left-without-approver"' in check and "Lee Alone" in check


def test_hostile_fields_are_ignored(admin_browser, org):
    data = {**edit_data(org.pat, name="Pat Smyth"), "confirm": "1", "is_superuser": "on", "is_staff": "on",
            "password": "chosen-by-admin-1", "is_active": "", "must_change_password": ""}
    post(admin_browser, f"/admin-pages/people/{org.pat.pk}/change/", data)
    org.pat.refresh_from_db()
    assert org.pat.last_name == "Smyth" and not org.pat.is_staff and not org.pat.is_superuser and org.pat.is_active
    assert org.pat.check_password("correct-horse-battery-staple")


def test_going_back_keeps_what_was_typed(admin_browser, org):
    body = post(admin_browser, f"/admin-pages/people/{org.pat.pk}/change/",
                {**edit_data(org.pat, name="Patricia Smith"), "back": "1", "confirm": "1"}).content.decode()
    assert "Change Pat Smith's details" in body and 'value="Patricia Smith"' in body


# -- switching off and on, invitations, second factors ----------------------------------------------------


def test_switching_an_account_off_says_what_follows_then_hands_approvals_over(admin_browser, org):
    url = f"/admin-pages/people/{org.manager.pk}/switch-off/"
    body = page(admin_browser, url)
    assert "1 decision waiting for their approval is handed over" in body
    response = post(admin_browser, url)
    org.manager.refresh_from_db()
    assert not org.manager.is_active
    assert Approval.objects.get(decision=org.decision).approver == org.deputy
    assert "1 waiting approval handed over" in page(admin_browser, response["Location"])
    assert "Switch their account on again" in page(admin_browser, f"/admin-pages/people/{org.manager.pk}/")


def test_an_administrator_cannot_switch_off_their_own_account(admin_browser, org):
    assert "You cannot switch off your own account" in page(admin_browser, f"/admin-pages/people/{org.admin.pk}/switch-off/")
    post(admin_browser, f"/admin-pages/people/{org.admin.pk}/switch-off/")
    org.admin.refresh_from_db()
    assert org.admin.is_active


def test_switching_a_practitioner_on_again_is_immediate_and_a_manager_waits(admin_browser, org):
    User.objects.filter(pk__in=[org.pat.pk, org.deputy.pk]).update(is_active=False)
    post(admin_browser, f"/admin-pages/people/{org.pat.pk}/switch-on/")
    post(admin_browser, f"/admin-pages/people/{org.deputy.pk}/switch-on/")
    assert User.objects.get(pk=org.pat.pk).is_active and not User.objects.get(pk=org.deputy.pk).is_active
    assert AccessChange.objects.get(person=org.deputy).changes == {"is_active": [False, True]}


def test_a_new_invitation_for_someone_who_has_not_set_up_their_account(admin_browser, org):
    newcomer = invite(email="nia@north.example.org", name="Nia New", role="practitioner", agency=org.north,
                      invited_by=org.admin).user
    mail.outbox = []
    body = page(admin_browser, f"/admin-pages/people/{newcomer.pk}/")
    assert "not set up yet" in body and "Send a new invitation" in body
    post(admin_browser, f"/admin-pages/people/{newcomer.pk}/invitation/")
    assert [m.to for m in mail.outbox] == [["nia@north.example.org"]]
    assert "Send a new invitation" not in page(admin_browser, f"/admin-pages/people/{org.pat.pk}/")


def test_a_lost_phone_resets_the_second_factor_audited(admin_browser, org):
    TOTPDevice.objects.create(user=org.pat, name="app", confirmed=True)
    body = page(admin_browser, f"/admin-pages/people/{org.pat.pk}/second-factor/")
    assert "Reset their second factor" in body and "key" not in body.lower().replace("keyboard", "")
    post(admin_browser, f"/admin-pages/people/{org.pat.pk}/second-factor/")
    assert not TOTPDevice.objects.filter(user=org.pat).exists()
    event = AuditEvent.objects.get(action="otp_device_removed")
    assert event.actor == org.admin and event.payload["by"] == "admin"


# -- away periods ------------------------------------------------------------------------------------------


def away_data(start: datetime.date, end: datetime.date | None = None, reason: str = "") -> dict:
    data = {"starts_on_day": start.day, "starts_on_month": start.month, "starts_on_year": start.year,
            "reason": reason}
    if end:
        data.update(ends_on_day=end.day, ends_on_month=end.month, ends_on_year=end.year)
    return data


def test_an_administrator_sets_a_manager_away_and_their_approvals_go_to_the_deputy(admin_browser, org):
    url = f"/admin-pages/people/{org.manager.pk}/away/"
    assert "their deputy, Dev Desai" in page(admin_browser, url)
    response = post(admin_browser, url, away_data(TODAY, TODAY + datetime.timedelta(days=3), "Annual leave"))
    assert response["Location"] == f"/admin-pages/people/{org.manager.pk}/"
    assert Approval.objects.get(decision=org.decision).approver == org.deputy
    body = page(admin_browser, response["Location"])
    assert "away today" in body and "Annual leave" in body and "End today" in body
    period = AwayPeriod.objects.get(user=org.manager)
    post(admin_browser, f"/admin-pages/people/{org.manager.pk}/away/{period.pk}/end/")
    org.manager.refresh_from_db()
    assert not org.manager.is_away


def test_bad_away_dates_are_explained(admin_browser, org):
    body = post(admin_browser, f"/admin-pages/people/{org.manager.pk}/away/",
                {"starts_on_day": "31", "starts_on_month": "2", "starts_on_year": "2027", "ends_on_day": "3",
                 "ends_on_month": "", "ends_on_year": "2027"}).content.decode()
    assert "The first day away must be a real date" in body and "The last day away must include a month" in body
    assert 'href="#id_starts_on_day"' in body
    yesterday = TODAY - datetime.timedelta(days=1)
    assert "today or later" in post(admin_browser, f"/admin-pages/people/{org.manager.pk}/away/",
                                    away_data(yesterday)).content.decode()
    assert "Away periods are for active line managers" in post(
        admin_browser, f"/admin-pages/people/{org.pat.pk}/away/", away_data(TODAY)).content.decode()
    assert not AwayPeriod.objects.exists()


def test_a_manager_sets_their_own_away_period_from_their_account(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.manager)
    client.get("/accounts/")
    assert "When you are away" in client.get("/accounts/").content.decode()
    assert "your deputy, Dev Desai" in client.get("/accounts/away/").content.decode()
    post(client, "/accounts/away/", {"action": "add", **away_data(TODAY + datetime.timedelta(days=1))})
    period = AwayPeriod.objects.get(user=org.manager)
    assert period.set_by == org.manager and period.ends_on is None
    assert "Not known yet" in client.get("/accounts/away/").content.decode()
    post(client, "/accounts/away/", {"action": "end", "period": period.pk})
    assert not AwayPeriod.objects.current_or_coming(TODAY).exists()
    # Another's period is not theirs to end.
    theirs = AwayPeriod.objects.create(user=org.deputy, starts_on=TODAY + datetime.timedelta(days=5))
    assert post(client, "/accounts/away/", {"action": "end", "period": theirs.pk}).status_code == 404


def test_only_line_managers_have_the_away_page(org):
    client = Client()
    client.force_login(org.pat)
    assert client.get("/accounts/away/").status_code == 403
    assert "When you are away" not in client.get("/accounts/").content.decode()


def test_the_date_boxes_are_three_and_keep_what_was_typed(admin_browser, org):
    body = post(admin_browser, f"/admin-pages/people/{org.manager.pk}/away/",
                {"starts_on_day": "31", "starts_on_month": "2", "starts_on_year": "2027"}).content.decode()
    for part, value in (("day", "31"), ("month", "2"), ("year", "2027")):
        assert f'id="id_starts_on_{part}" name="starts_on_{part}" type="text" inputmode="numeric" value="{value}"' in body
    assert 'for="id_ends_on_year">Year</label>' in body


def test_no_page_an_administrator_reaches_shows_django_admin_rights_or_case_content(admin_browser, org):
    """Every URL the access table opens to administrators (Django's admin aside), filled with real ids."""
    from isg.access.rules import RULES
    from isg.access.urlwalk import iter_routes
    from isg.directory.models import Organisation

    period = AwayPeriod.objects.create(user=org.manager, starts_on=TODAY + datetime.timedelta(days=3))
    change = AccessChange.objects.create(person=org.sam, requested_by=org.admin, changes={"role": ["practitioner",
                                                                                                   "admin"]})
    organisation = Organisation.objects.create(name="Police", kind="police")
    values = {"user_id": org.manager.pk, "period_id": period.pk, "change_id": change.pk, "agency_id": org.north.pk,
              "organisation_id": organisation.pk}
    seen = 0
    for route in iter_routes():
        rule = RULES.get(route.name or "")
        if rule is None or rule.staff or rule.public or User.Role.ADMIN not in rule.roles:
            continue
        url = "/" + re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), route.route)
        response = admin_browser.get(url, follow=True)
        if response.status_code == 405:
            continue  # a button's POST-only address
        body = response.content.decode()
        assert response.status_code == 200, url
        assert not FORBIDDEN.search(body), (url, FORBIDDEN.search(body).group())
        assert CANARY not in body, url
        seen += 1
    assert seen >= 20
