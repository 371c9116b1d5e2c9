"""The administration log for the partnership (isg/accounts/admin_log.py): who changed whom, what and when,
from the audit chain, whose payloads hold ids and codes only; filtered by person and dates, paginated."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from isg.accounts import access_changes, people
from isg.accounts.away import away_period_add
from isg.accounts.invitations import invite
from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def history():
    """A morning's administration: people changed, switched off, away, invited, a change confirmed."""
    north, south = make_agency(name="North agency"), make_agency(name="South agency")
    director = make_manager(username="director", first_name="Dana", last_name="Reid", agency=north)
    manager = make_manager(username="manager", first_name="Margaret", last_name="Hughes", agency=north,
                           line_manager=director, email="margaret@north.example.org")
    pat = make_user(username="pat", first_name="Pat", last_name="Smith", agency=north, email="pat@north.example.org")
    admin = make_user(username="admin", first_name="Alex", last_name="Admin", role=User.Role.ADMIN, agency=None)
    admin2 = make_user(username="admin2", first_name="Sam", last_name="Second", role=User.Role.ADMIN, agency=None)
    people.person_update(person=pat, proposed={"line_manager": manager.pk, "first_name": "Patricia"}, actor=admin)
    change = people.person_update(person=pat, proposed={"role": "line_manager"}, actor=admin).access_change
    access_changes.access_change_confirm(change=change, actor=admin2)
    away_period_add(user=manager, starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=4), reason="Leave",
                    set_by=admin)
    invite(email="nia@south.example.org", name="Nia New", role="practitioner", agency=south, invited_by=admin)
    people.person_deactivate(person=director, actor=admin2)
    return SimpleNamespace(north=north, south=south, director=director, manager=manager, pat=pat, admin=admin,
                           admin2=admin2)


def reader(role=User.Role.PARTNERSHIP) -> Client:
    client = Client()
    client.force_login(make_user(role=role, agency=None))
    return client


def test_the_partnership_reads_who_changed_whom_what_and_when(history):
    page = reader().get("/administration-log/").content.decode()
    for text in (
        "Alex Admin (admin)", "Sam Second (admin2)", "Patricia Smith (pat)", "Person&#x27;s details changed",
        "Line manager: None → Margaret Hughes", "Name: Changed (not shown",
        "Change that gives access asked for", "Role: Practitioner → Line manager", "Change that gives access confirmed",
        f"Away from {TODAY:%-d %B %Y} to {TODAY + datetime.timedelta(days=4):%-d %B %Y}", "Away from today",
        "Invitation sent", "Agency: South agency", "Account switched off", "Account: Active → Switched off",
    ):
        assert text in page, text
    assert "Leave" not in page  # the away reason is not on the chain
    assert page.index("Account switched off") < page.index("Change that gives access asked for")  # newest first


def test_imported_people_show_what_they_were_given(history):
    from isg.accounts.people_import import check_rows, import_people, read_csv

    parsed = read_csv(b"email,name,role,agency,line_manager_email\nli@north.example.org,Li Lee,practitioner,"
                      b"North agency,margaret@north.example.org\n")
    check_rows(parsed.rows)
    import_people(rows=parsed.rows, invited_by=history.admin)
    page = reader().get("/administration-log/").content.decode()
    assert "People imported from a file" in page and "Li Lee (li)" in page
    assert "Role: Practitioner" in page and "Line manager: Margaret Hughes" in page and "Deputy:" not in page


def test_payloads_hold_no_names_addresses_or_reasons(history):
    for event in AuditEvent.objects.all():
        text = str(event.payload)
        for words in ("Patricia", "Pat", "Margaret", "Hughes", "Alex", "@", "Leave", "North agency"):
            assert words not in text, (event.action, words)
    assert verify_chain().ok


def test_filter_by_person_and_by_dates(history):
    client = reader()
    page = client.get(f"/administration-log/?person={history.manager.pk}").content.decode()
    assert "Away period added" in page and "Invitation sent" not in page
    # Changes made by a person count too.
    page = client.get(f"/administration-log/?person={history.admin2.pk}").content.decode()
    assert "Account switched off" in page and "Away period added" not in page
    tomorrow = TODAY + datetime.timedelta(days=1)
    page = client.get(f"/administration-log/?since_day={tomorrow.day}&since_month={tomorrow.month}"
                      f"&since_year={tomorrow.year}").content.decode()
    assert "0 changes match" in page
    page = client.get(f"/administration-log/?until_day={TODAY.day}&until_month={TODAY.month}"
                      f"&until_year={TODAY.year}").content.decode()
    assert "Invitation sent" in page
    page = client.get("/administration-log/?since_day=40&since_month=1&since_year=2026&until_day=1&until_month=1"
                      "&until_year=2026").content.decode()
    assert "There is a problem" in page and "The from date must be a real date" in page


def test_the_log_is_paginated(history):
    for n in range(60):
        people.person_update(person=history.manager, proposed={"first_name": f"M{n}"}, actor=history.admin)
    client = reader()
    first = client.get("/administration-log/").content.decode()
    assert first.count('data-action="') == 50 and 'rel="next"' in first
    second = client.get("/administration-log/?page=2").content.decode()
    assert "page 2 of 2" in second


def test_administrators_read_it_too_and_nobody_else(history):
    assert reader(User.Role.ADMIN).get("/administration-log/").status_code == 200
    for role in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER, User.Role.TRAINER):
        client = Client()
        client.force_login(make_user(role=role))
        assert client.get("/administration-log/").status_code == 403


def test_the_partnership_menu_links_the_log(history):
    page = reader().get("/accounts/").content.decode()
    assert ">Administration log</a>" in page
