"""Downloading a decision's PDF: who may, what the response says, what the history records, and failure."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.decisions.models import Decision, DecisionEvent
from isg.records import pdf as pdf_module
from tests.decisions.helpers import start_decision
from tests.factories import make_agency, make_user

from .reading import attached_json

pytestmark = pytest.mark.django_db


def pdf_url(decision: Decision) -> str:
    return f"/records/{decision.public_id}/decision.pdf"


def exports(decision: Decision):
    return DecisionEvent.objects.filter(decision=decision, kind=DecisionEvent.Kind.EXPORTED)


def snapshot(decision: Decision) -> dict:
    """Everything an export could change: the row, its history, its amendments, the audit chain."""
    row = Decision.objects.filter(pk=decision.pk).values().get()
    row.pop("updated_at")  # compared separately: it must not move either
    return {
        "row": row, "updated_at": Decision.objects.get(pk=decision.pk).updated_at,
        "events": list(DecisionEvent.objects.filter(decision=decision).values_list("id", "kind")),
        "amendments": decision.amendments.count(), "audit": AuditEvent.objects.count(),
    }


def test_the_owner_downloads_the_pdf_and_the_export_is_in_the_history(owner_client, owner, recorded):
    response = owner_client.get(pdf_url(recorded))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="decision-CASE-001.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    assert attached_json(response.content)["decision"]["id"] == str(recorded.public_id)
    (event,) = exports(recorded)
    assert event.actor == owner
    assert event.payload["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert event.payload["format"] == "pdf"
    # Chained into the audit history like every other decision event.
    assert AuditEvent.objects.filter(action="exported", subject_id=str(recorded.public_id)).count() == 1


def test_partnership_staff_may_export_any_recorded_decision(client, recorded, lscb):
    client.force_login(lscb)
    response = client.get(pdf_url(recorded))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert [e.actor for e in exports(recorded)] == [lscb]


@pytest.mark.parametrize("who", ["other_practitioner", "other_manager", "trainer", "admin"])
def test_people_who_may_not_see_the_decision_get_404_and_nothing_is_logged(client, recorded, who):
    other_agency = make_agency()
    users = {
        "other_practitioner": make_user(agency=other_agency),
        "other_manager": make_user(role=User.Role.LINE_MANAGER, agency=other_agency),
        "trainer": make_user(role=User.Role.TRAINER),
        "admin": make_user(role=User.Role.ADMIN, is_staff=True),
    }
    client.force_login(users[who])
    before = snapshot(recorded)
    response = client.get(pdf_url(recorded))
    assert response.status_code == 404
    assert b"%PDF" not in response.content and b"CASE-001" not in response.content
    assert snapshot(recorded) == before


def test_anonymous_visitors_are_sent_to_sign_in(recorded):
    response = Client().get(pdf_url(recorded))  # `client` is the owner's, signed in by the fixture
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not exports(recorded).exists()


def test_an_unknown_decision_is_not_found(owner_client):
    assert owner_client.get("/records/00000000-0000-0000-0000-000000000000/decision.pdf").status_code == 404


@pytest.mark.parametrize("failure", ["raises", "truncated", "empty"])
def test_a_render_failure_shows_a_clear_page_and_changes_nothing(owner_client, recorded, monkeypatch, failure):
    def broken(html, attachment, *, fetcher):
        if failure == "raises":
            raise RuntimeError("Pango fell over")
        return b"%PDF-1.7\n1 0 obj" if failure == "truncated" else b""

    monkeypatch.setattr(pdf_module, "write_pdf", broken)
    before = snapshot(recorded)
    response = owner_client.get(pdf_url(recorded))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Sorry, the PDF could not be created" in page
    assert "nothing in it was changed" in page
    assert "Pango" not in page  # no internals shown
    assert snapshot(recorded) == before
    assert not exports(recorded).exists()


def test_a_draft_has_no_record_to_download_yet(owner_client):
    draft = start_decision(owner_client)
    response = owner_client.get(pdf_url(draft))
    assert response.status_code == 409
    assert "This decision is still a draft" in response.content.decode()
    assert not exports(draft).exists()


def test_the_download_only_answers_get(owner, recorded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    page = client.get(f"/decisions/{recorded.public_id}/outcome/")
    token = str(page.context["csrf_token"])
    response = client.post(pdf_url(recorded), {"csrfmiddlewaretoken": token})
    assert response.status_code == 405  # a valid token, and still refused: exporting is a GET
    assert not exports(recorded).exists()


def test_the_outcome_page_links_to_the_pdf_record(owner_client, recorded):
    page = owner_client.get(f"/decisions/{recorded.public_id}/outcome/").content.decode()
    assert f'href="{pdf_url(recorded)}"' in page
    assert "Download the decision record (PDF)" in page
