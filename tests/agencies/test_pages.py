"""The administrator's Agencies pages (isg/agencies/views.py): list, add, change, with the text rules
and every change audited; a new agency is listed in the directory as a member agency."""

from __future__ import annotations

import pytest
from django.test import Client

from isg.accounts.models import User
from isg.agencies.models import Agency
from isg.audit.models import AuditEvent
from isg.directory.models import Organisation
from tests.accounts.helpers import post
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(username="admin", role=User.Role.ADMIN, agency=None))
    client.get("/accounts/")
    return client


def test_the_list_counts_people_and_line_managers_and_flags_an_agency_with_none(admin_browser):
    north, south = make_agency(name="North agency"), make_agency(name="South agency")
    make_manager(agency=north)
    make_user(agency=north)
    make_user(agency=south)
    make_user(agency=south, is_active=False)
    page = admin_browser.get("/admin-pages/agencies/").content.decode()
    assert "North agency" in page and "South agency" in page
    assert page.count('govuk-tag--red">None') == 1


def test_an_administrator_adds_an_agency_which_joins_the_directory(admin_browser):
    response = post(admin_browser, "/admin-pages/agencies/add/", {"name": "  Avon   Police ", "kind": "Police"})
    assert response.status_code == 302
    agency = Agency.objects.get()
    assert (agency.name, agency.slug, agency.kind) == ("Avon Police", "avon-police", "Police")
    member = Organisation.objects.get(agency=agency)
    assert member.kind == "member_agency" and member.name == "Avon Police"
    event = AuditEvent.objects.get(action="agency_added")
    assert event.subject_id == str(agency.pk) and "Avon" not in str(event.payload)
    post(admin_browser, "/admin-pages/agencies/add/", {"name": "Avon Police!", "kind": ""})
    assert Agency.objects.get(name="Avon Police!").slug == "avon-police-2"


@pytest.mark.parametrize("name, message", [
    ("", "Enter the agency&#x27;s name"),
    ("North <b>agency</b>", "markup"),
    ("North\u202e agency", "text-direction"),
    ("North\x07 agency", "control characters"),
    ("north AGENCY", "already an agency with this name"),
    ("x" * 201, "200 characters or fewer"),
])
def test_agency_names_follow_the_text_rules(admin_browser, name, message):
    make_agency(name="North agency")
    page = post(admin_browser, "/admin-pages/agencies/add/", {"name": name, "kind": ""}).content.decode()
    assert "There is a problem" in page and message in page
    assert Agency.objects.count() == 1


def test_an_administrator_renames_an_agency_and_its_short_name_stays(admin_browser):
    agency = make_agency(name="North agency", slug="north")
    url = f"/admin-pages/agencies/{agency.pk}/change/"
    assert "north" in admin_browser.get(url).content.decode()
    post(admin_browser, url, {"name": "North Health", "kind": "Health", "slug": "hijacked"})
    agency.refresh_from_db()
    assert (agency.name, agency.kind, agency.slug) == ("North Health", "Health", "north")
    assert AuditEvent.objects.get(action="agency_changed").payload == {"fields": ["name", "kind"]}
    post(admin_browser, url, {"name": "North Health", "kind": "Health"})
    assert AuditEvent.objects.filter(action="agency_changed").count() == 1  # nothing changed: nothing written


def test_only_administrators_reach_the_agency_pages():
    agency = make_agency()
    for role in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER, User.Role.PARTNERSHIP, User.Role.TRAINER):
        client = Client()
        client.force_login(make_user(role=role))
        for url in ("/admin-pages/agencies/", "/admin-pages/agencies/add/", f"/admin-pages/agencies/{agency.pk}/change/"):
            assert client.get(url).status_code == 403, (role, url)
