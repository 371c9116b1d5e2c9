"""People and decisions for the export tests: two agencies, their managers, the LSCB, other roles."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from isg.accounts.models import User
from tests.factories import make_agency, make_decision, make_manager, make_user

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    """Each test's files in its own private folder, never the project's."""
    settings.ISG_EXPORT_DIR = tmp_path / "exports-private"
    return settings.ISG_EXPORT_DIR


@pytest.fixture
def people(db):
    north, south = make_agency(name="North", slug="north"), make_agency(name="South", slug="south")
    pat = make_user(username="pat", agency=north)
    pat2 = make_user(username="pat2", agency=south)
    return {
        "pat": pat, "pat2": pat2,
        "manager": make_manager(username="manager", agency=north, reports=[pat]),
        "manager2": make_manager(username="manager2", agency=south, reports=[pat2]),
        "lscb": make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None, email="lscb@example.org"),
        "lscb2": make_user(username="lscb2", role=User.Role.PARTNERSHIP, agency=None),
        "trainer": make_user(username="trainer", role=User.Role.TRAINER, agency=None),
        "admin": make_user(username="admin", role=User.Role.ADMIN, agency=None, is_staff=True),
        "north": north, "south": south,
    }


@pytest.fixture
def decisions(people):
    pat, pat2 = people["pat"], people["pat2"]
    return {
        "consent": make_decision(pat, "outcome_share_with_consent", submit=True, case_reference="NORTH-1"),
        "limited": make_decision(pat, "outcome_share_limited", submit=True, case_reference="NORTH-2"),
        "emergency": make_decision(pat2, "outcome_emergency_share", submit=True, case_reference="SOUTH-1"),
        "serious": make_decision(pat2, "outcome_share_without_consent", submit=True, case_reference="SOUTH-2"),
        "draft": make_decision(pat, "outcome_share_with_consent", case_reference="NORTH-DRAFT", upto=3),
    }


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_from(client: Client, url: str = "/exports/csv/") -> str:
    """The CSRF token as a browser gets it: from the form on a page."""
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:1000]
    return TOKEN.search(response.content.decode()).group(1)


def post_export(client: Client, kind: str, query: str = "", **extra):
    token = token_from(client, f"/exports/{kind}/")
    return client.post(f"/exports/{kind}/", {"csrfmiddlewaretoken": token, "filter": query}, **extra)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
