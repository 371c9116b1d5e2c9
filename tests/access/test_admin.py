"""Django's admin, kept for technical superusers (the administrator role has ISG's own pages: tests/accounts/
test_people_*.py), never shows case content (AC-4)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client

from isg.accounts.models import User
from tests.factories import make_decision, make_manager, make_user

pytestmark = pytest.mark.django_db

CONTENT_MODELS = ["decisions.Decision", "decisions.DecisionEvent", "decisions.Amendment", "audit.AuditEvent"]


@pytest.mark.parametrize("label", CONTENT_MODELS)
def test_no_case_content_model_is_in_the_admin(label):
    model = apps.get_model(label)
    assert model not in admin.site._registry, f"{label} must not be registered in the admin"


def test_any_registered_model_holding_a_decision_shows_no_content():
    # An approval (or anything else pointing at a decision) may be listed, never its case content.
    for model, model_admin in admin.site._registry.items():
        if any(f.related_model is apps.get_model("decisions.Decision") for f in model._meta.get_fields()):
            shown = set(model_admin.get_list_display(None)) | set(model_admin.search_fields)
            assert not {"decision", "case_reference", "path", "state", "record"} & shown, model


@pytest.fixture
def admin_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True))
    return client


def test_a_technical_superuser_names_a_deputy_but_cannot_mark_anyone_away_by_hand(admin_client):
    """"Away" follows away periods (isg/accounts/away.py) and the partnership lead needs a second person:
    both are read-only in Django's admin."""
    manager = make_manager()
    deputy = make_manager(agency=manager.agency)
    url = f"/admin/accounts/user/{manager.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="deputy"' in html and 'name="line_manager"' in html
    assert 'name="is_away"' not in html and 'name="is_partnership_lead"' not in html
    data = {
        "csrfmiddlewaretoken": admin_client.cookies["csrftoken"].value,
        "username": manager.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on", "role": manager.role, "agency": manager.agency_id, "line_manager": "",
        "deputy": deputy.pk, "is_away": "on", "is_partnership_lead": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    manager.refresh_from_db()
    assert manager.deputy == deputy and not manager.is_away and not manager.is_partnership_lead


def test_the_admin_cannot_delete_people_or_agencies_so_it_never_lists_their_decisions(admin_client):
    owner = make_user()
    make_decision(owner, submit=True, case_reference="CASE-IN-ADMIN")
    for url in (f"/admin/accounts/user/{owner.pk}/delete/", f"/admin/agencies/agency/{owner.agency_id}/delete/"):
        response = admin_client.get(url)
        assert response.status_code == 403, url
        assert "CASE-IN-ADMIN" not in response.content.decode()
    for url in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{owner.pk}/change/",
                f"/admin/agencies/agency/{owner.agency_id}/change/"):
        assert "CASE-IN-ADMIN" not in admin_client.get(url).content.decode(), url


def test_a_deputy_must_be_another_line_manager_of_the_same_agency():
    manager = make_manager()
    for deputy, message in [
        (manager, "own deputy"),
        (make_user(agency=manager.agency), "must be a line manager"),
        (make_manager(), "same agency"),
    ]:
        manager.deputy = deputy
        with pytest.raises(ValidationError, match=message):
            manager.full_clean()
    manager.deputy = make_manager(agency=manager.agency)
    manager.full_clean()
