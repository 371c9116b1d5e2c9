"""The middleware: a rowless URL is refused and logged; wrong roles get 403 on pages and 404 on
records; the login redirect still comes first; permission code fails closed; changes to a person
take effect on their next request; `manage.py check` knows the table."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from isg.accounts.models import User
from tests.factories import make_decision, make_manager, make_user

pytestmark = pytest.mark.django_db


def test_a_url_without_a_row_answers_404_and_logs_an_error(client, settings, caplog):
    settings.ROOT_URLCONF = "tests.access.urls_unlisted"
    client.force_login(make_user())
    with caplog.at_level(logging.ERROR, logger="isg.access"):
        response = client.get("/unlisted/")
    assert response.status_code == 404
    assert "forgot its access row" not in response.content.decode()
    assert any("'unlisted'" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_anonymous_visitors_are_still_sent_to_sign_in_before_any_rule(client, settings):
    settings.ROOT_URLCONF = "tests.access.urls_unlisted"
    assert client.get("/unlisted/")["Location"].startswith("/accounts/login/?next=")
    assert client.get("/decisions/")["Location"].startswith("/accounts/login/?next=")


def test_a_wrong_role_gets_403_on_a_page_and_404_on_a_record(client):
    owner = make_user()
    decision = make_decision(owner, submit=True)
    client.force_login(make_user(role=User.Role.TRAINER, agency=None))
    assert client.get("/decisions/").status_code == 403
    assert client.get("/case-studies/").status_code == 200
    assert client.get(f"/decisions/{decision.public_id}/outcome/").status_code == 404


def test_administrators_start_at_isgs_people_pages_and_see_no_case_content(client):
    admin = make_user(role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200  # a technical superuser still reaches Django's admin
    assert client.get("/case-studies/").status_code == 403
    assert client.get("/decisions/").status_code == 403
    assert client.get("/")["Location"] == "/admin-pages/people/"


def test_only_staff_pass_into_the_admin(client):
    # The role alone is not enough: Django's admin lets in active staff only, and so does the table.
    client.force_login(make_user(role=User.Role.ADMIN, agency=None, is_staff=False))
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/")["Location"] == "/admin-pages/people/"  # home sends them to ISG's own pages


def test_an_error_inside_the_access_check_never_shows_the_record(practitioner):
    decision = make_decision(practitioner, submit=True, case_reference="CASE-FAIL-CLOSED")
    client = Client(raise_request_exception=False)
    client.force_login(practitioner)
    with mock.patch("isg.access.services.visible_q", side_effect=RuntimeError("policy broke")):
        response = client.get(f"/decisions/{decision.public_id}/outcome/")
    assert response.status_code in (403, 404, 500)
    assert "CASE-FAIL-CLOSED" not in response.content.decode()


def test_changes_to_a_person_take_effect_on_their_next_request(client):
    pat = make_user()
    manager = make_manager(agency=pat.agency, reports=[pat])
    decision = make_decision(pat, submit=True)
    url = f"/decisions/{decision.public_id}/outcome/"
    client.force_login(manager)
    assert client.get(url).status_code == 200
    pat.line_manager = None  # an administrator moves pat to another team
    pat.save()
    assert client.get(url).status_code == 404
    pat.line_manager = manager
    pat.save()
    manager.role = User.Role.PRACTITIONER  # demoted
    manager.save()
    assert client.get(url).status_code == 404
    manager.is_active = False
    manager.save()
    assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.django_db  # some of Django's own checks (JSONField support) open a connection
def test_manage_py_check_runs_the_table_check(capsys):
    call_command("check")
    from isg.access.checks import every_url_has_an_access_row

    assert every_url_has_an_access_row() == []


def test_the_check_reports_a_public_row_on_a_view_that_needs_sign_in(settings, monkeypatch):
    from isg.access import checks, rules

    monkeypatch.setitem(rules.RULES, "decisions:mine", rules.PUBLIC)
    monkeypatch.setitem(rules.RULES, "decisions:gone", rules.page(rules.EVERYONE))
    found = checks.problems()
    assert any("'decisions:mine' is public" in p for p in found)
    assert any("'decisions:gone' names no URL" in p for p in found)
