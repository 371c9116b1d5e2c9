"""The directory of organisations decisions are shared with (isg/directory): the model others use, the
administrator's pages, every change on the audit chain, and the demo entries."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.directory import demo
from isg.directory.models import Organisation
from tests.accounts.helpers import post
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
Kind = Organisation.Kind


@pytest.fixture
def admin_browser():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(username="admin", role=User.Role.ADMIN, agency=None))
    client.get("/accounts/")
    return client


def test_active_lists_what_is_on_the_directory_by_name_with_kind_labels():
    Organisation.objects.create(name="Zeta Police", kind=Kind.POLICE)
    Organisation.objects.create(name="Alpha School", kind=Kind.SCHOOL)
    Organisation.objects.create(name="Gone Charity", kind=Kind.CHARITY_OR_VOLUNTARY, is_active=False)
    assert [o.name for o in Organisation.objects.active()] == ["Alpha School", "Zeta Police"]
    assert Organisation.objects.get(name="Alpha School").get_kind_display() == "School or college"
    assert {value for value, _ in Kind.choices} == {
        "member_agency", "childrens_social_care", "adults_social_care", "police", "health", "school",
        "charity_or_voluntary", "housing", "other"}


def test_member_agencies_and_only_they_name_an_agency_once_and_names_are_unique():
    agency = make_agency()
    Organisation.objects.create(name="Member", kind=Kind.MEMBER_AGENCY, agency=agency)
    for bad in ({"name": "No agency", "kind": Kind.MEMBER_AGENCY}, {"name": "Police", "kind": Kind.POLICE, "agency": agency},
                {"name": "Twice", "kind": Kind.MEMBER_AGENCY, "agency": agency}, {"name": "MEMBER", "kind": Kind.OTHER}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Organisation.objects.create(**bad)


def test_an_administrator_adds_one_and_it_is_audited_without_the_words(admin_browser):
    response = post(admin_browser, "/admin-pages/organisations/add/", {
        "name": "Bathavon Children's Social Care", "kind": Kind.CHILDRENS_SOCIAL_CARE, "agency": "",
        "secure_contact_routes": "Secure email: duty@bathavon.example\nPhone: 01225 000 000",
    })
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert organisation.secure_contact_routes.endswith("01225 000 000") and organisation.is_active
    page = admin_browser.get("/admin-pages/organisations/").content.decode()
    assert "Bathavon Children" in page and "Secure email: duty@bathavon.example<br>Phone" in page
    event = AuditEvent.objects.get(action="organisation_added")
    assert event.subject_id == str(organisation.pk) and event.payload == {
        "kind": "childrens_social_care", "agency": None, "fields": ["name", "kind", "secure_contact_routes"]}


@pytest.mark.parametrize("data, message", [
    ({"name": "", "kind": "police"}, "Enter the organisation&#x27;s name"),
    ({"name": "Police <b>HQ</b>", "kind": "police"}, "markup"),
    ({"name": "Police\u202e", "kind": "police"}, "text-direction"),
    ({"name": "Police", "kind": ""}, "Choose the kind of organisation"),
    ({"name": "Police", "kind": "police", "secure_contact_routes": "Call \x07 us"}, "control characters"),
    ({"name": "Member", "kind": "member_agency"}, "Choose which agency of the partnership this is"),
    ({"name": "Existing", "kind": "police"}, "already an organisation with this name"),
])
def test_bad_entries_are_explained_and_nothing_is_saved(admin_browser, data, message):
    Organisation.objects.create(name="EXISTING", kind=Kind.OTHER)
    page = post(admin_browser, "/admin-pages/organisations/add/", {"agency": "", **data}).content.decode()
    assert "There is a problem" in page and message in page
    assert Organisation.objects.count() == 1


def test_an_administrator_changes_one_takes_it_off_and_puts_it_back(admin_browser):
    organisation = Organisation.objects.create(name="Town Police", kind=Kind.POLICE)
    url = f"/admin-pages/organisations/{organisation.pk}/change/"
    assert "Town Police" in admin_browser.get(url).content.decode()
    post(admin_browser, url, {"name": "Town Police Hub", "kind": "police", "agency": "", "secure_contact_routes": ""})
    organisation.refresh_from_db()
    assert organisation.name == "Town Police Hub"
    post(admin_browser, f"/admin-pages/organisations/{organisation.pk}/on-directory/", {"active": "no"})
    assert not Organisation.objects.active().exists()
    assert "The directory is empty" in admin_browser.get("/admin-pages/organisations/").content.decode()
    assert "Taken off" in admin_browser.get("/admin-pages/organisations/?show=all").content.decode()
    post(admin_browser, f"/admin-pages/organisations/{organisation.pk}/on-directory/", {"active": "yes"})
    assert Organisation.objects.active().count() == 1
    assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
        "organisation_changed", "organisation_deactivated", "organisation_reactivated"]
    assert AuditEvent.objects.get(action="organisation_changed").payload["fields"] == ["name"]


def test_only_administrators_keep_the_directory():
    organisation = Organisation.objects.create(name="Town Police", kind=Kind.POLICE)
    for role in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER, User.Role.PARTNERSHIP, User.Role.TRAINER):
        client = Client()
        client.force_login(make_user(role=role))
        for url in ("/admin-pages/organisations/", "/admin-pages/organisations/add/",
                    f"/admin-pages/organisations/{organisation.pk}/change/"):
            assert client.get(url).status_code == 403, (role, url)


def test_the_demo_lists_each_agency_as_a_member_and_five_others_once():
    north, south = make_agency(name="North"), make_agency(name="South")
    demo.load()
    demo.load()
    assert {o.agency for o in Organisation.objects.filter(kind=Kind.MEMBER_AGENCY)} == {north, south}
    kinds = set(Organisation.objects.exclude(kind=Kind.MEMBER_AGENCY).values_list("kind", flat=True))
    assert kinds == {"childrens_social_care", "adults_social_care", "police", "health", "school"}
    assert Organisation.objects.count() == 7
