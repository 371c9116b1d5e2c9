"""The pages for changes that give access (isg/accounts/change_views.py): administrators and partnership
staff read them; another administrator or the partnership lead confirms or refuses; the asker cannot."""

from __future__ import annotations

import pytest
from django.test import Client

from isg.accounts import people
from isg.accounts.models import AccessChange, User
from tests.accounts.helpers import post
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def change():
    agency = make_agency(name="North agency")
    make_manager(agency=agency)
    pat = make_user(username="pat", first_name="Pat", last_name="Smith", agency=agency)
    admin = make_user(username="admin", first_name="Alex", last_name="Admin", role=User.Role.ADMIN, agency=None)
    return people.person_update(person=pat, proposed={"role": User.Role.LINE_MANAGER}, actor=admin).access_change


def browser(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/accounts/")  # the CSRF cookie
    return client


def test_the_list_shows_what_changes_and_who_asked(change):
    page = browser(make_user(role=User.Role.ADMIN, agency=None)).get("/admin-pages/changes/").content.decode()
    assert "Pat Smith" in page and "Role: Practitioner → Line manager" in page and "Alex Admin" in page
    assert "Confirm or refuse" in page


def test_the_asker_sees_the_change_but_cannot_decide_it(change):
    client = browser(change.requested_by)
    page = client.get(f"/admin-pages/changes/{change.pk}/").content.decode()
    assert "You asked for this change, so someone else must confirm" in page and "Confirm the change" not in page
    page = post(client, f"/admin-pages/changes/{change.pk}/", {"decision": "confirm"}).content.decode()
    assert "There is a problem" in page and "someone other than the person who asked" in page
    assert AccessChange.objects.get(pk=change.pk).status == "waiting"


def test_another_administrator_confirms_it(change):
    client = browser(make_user(role=User.Role.ADMIN, agency=None))
    response = post(client, f"/admin-pages/changes/{change.pk}/", {"decision": "confirm"})
    assert response.status_code == 302 and response["Location"] == "/admin-pages/changes/"
    assert "Change confirmed: Pat Smith" in client.get("/admin-pages/changes/").content.decode()
    assert User.objects.get(username="pat").role == User.Role.LINE_MANAGER


def test_the_partnership_lead_refuses_it_and_other_partnership_staff_only_read_it(change):
    lscb = browser(make_user(role=User.Role.PARTNERSHIP, agency=None))
    page = lscb.get(f"/admin-pages/changes/{change.pk}/").content.decode()
    assert "Role" in page and "Confirm the change" not in page
    assert "Only the partnership lead confirms them" in lscb.get("/admin-pages/changes/").content.decode()
    post(lscb, f"/admin-pages/changes/{change.pk}/", {"decision": "confirm"})
    assert AccessChange.objects.get(pk=change.pk).status == "waiting"

    lead = browser(make_user(role=User.Role.PARTNERSHIP, agency=None, is_partnership_lead=True))
    page = lead.get(f"/admin-pages/changes/{change.pk}/").content.decode()
    assert "Confirm the change" in page and "Refuse the change" in page and "Withdraw" not in page
    post(lead, f"/admin-pages/changes/{change.pk}/", {"decision": "refuse"})
    assert AccessChange.objects.get(pk=change.pk).status == "refused"
    assert User.objects.get(username="pat").role == User.Role.PRACTITIONER


def test_a_nonsense_decision_is_an_error_not_a_change(change):
    client = browser(make_user(role=User.Role.ADMIN, agency=None))
    page = post(client, f"/admin-pages/changes/{change.pk}/", {"decision": "approve-everything"}).content.decode()
    assert "Choose whether to confirm or refuse the change" in page
    assert browser(make_user(role=User.Role.ADMIN, agency=None)).get("/admin-pages/changes/999999/").status_code == 404


def test_other_roles_cannot_reach_the_pages(change):
    for role in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER, User.Role.TRAINER):
        client = browser(make_user(role=role, agency=make_agency()))
        assert client.get("/admin-pages/changes/").status_code == 403
        assert client.get(f"/admin-pages/changes/{change.pk}/").status_code == 403
