"""Usernames that cannot be mistaken for one another, and admin text without hidden characters."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from isg.accounts.models import User
from isg.accounts.usernames import normalise_username, scripts_of, skeleton, validate_username
from isg.agencies.models import Agency
from tests.accounts.helpers import csrf_client, sign_in
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

CYRILLIC_A = "\u0430"


@pytest.mark.parametrize("typed, stored", [
    ("Pat.Smith", "pat.smith"),
    ("ＰＡＴ", "pat"),  # full-width letters
    ("\ufb01ona", "fiona"),  # the "fi" ligature
    ("  sam ", "sam"),
])
def test_usernames_are_normalised(typed, stored):
    assert normalise_username(typed) == stored


def test_a_mixed_script_username_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as refused:
        validate_username(f"{CYRILLIC_A}dmin")
    message = refused.value.messages[0]
    assert "one alphabet" in message and "Cyrillic" in message and "Latin" in message
    assert refused.value.error_list[0].code == "mixed_script"
    assert scripts_of("pat.smith-2@example.org") == ["LATIN"]
    validate_username("zoë.brown")  # accents are Latin too


@pytest.mark.parametrize("existing, new", [
    ("manager", "rnanager"),
    ("paul", "pau1"),
    ("admln", "adm1n"),
])
def test_a_username_that_looks_like_an_existing_one_is_refused(existing, new):
    make_user(username=existing)
    assert skeleton(existing) == skeleton(new)
    with pytest.raises(ValidationError) as refused:
        validate_username(new)
    assert refused.value.error_list[0].code == "confusable"
    assert f"“{existing}”" in refused.value.messages[0]


def test_a_username_is_not_its_own_look_alike():
    pat = make_user(username="pat")
    validate_username("pat", exclude_pk=pat.pk)
    validate_username("bob")


@pytest.mark.parametrize("hidden", ["pat\u202e", "pat\u200b", "pat\nsmith", "pat\x00"])
def test_hidden_characters_in_a_username_are_refused(hidden):
    with pytest.raises(ValidationError):
        validate_username(normalise_username(hidden))


def test_sign_in_is_case_insensitive_and_throttled_as_one_username():
    make_user(username="pat")
    assert sign_in(csrf_client(), "PAT")["Location"] == "/decisions/"
    client = csrf_client()
    for typed in ("Pat", "pAt", "paT", "PAt", "pAT"):
        sign_in(client, typed, "wrong-password")
    assert sign_in(client, "pat").status_code == 429  # five failures of one username, however typed


def test_the_username_migration_lowercases_and_leaves_clashes_alone(capsys):
    first = make_user(username="Pat")
    clash = make_user(username="SAM")
    make_user(username="sam")
    import_module("isg.accounts.migrations.0004_normalise_usernames").normalise(apps, None)
    first.refresh_from_db()
    clash.refresh_from_db()
    assert first.username == "pat" and clash.username == "SAM"
    assert f"user {clash.pk} left as it is" in capsys.readouterr().out


# -- the Django admin's forms --------------------------------------------------------------------------

@pytest.fixture
def admin_browser(client):
    client.force_login(make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True,
                                 is_superuser=True))
    return client


def add_person(admin_browser, username: str, **extra):
    return admin_browser.post("/admin/accounts/user/add/", {
        "username": username, "usable_password": "false", "role": User.Role.PRACTITIONER,
        "agency": "", "line_manager": "", **extra,
    })


def test_the_admin_add_form_normalises_the_username(admin_browser):
    assert add_person(admin_browser, "Jo.Bloggs").status_code == 302
    assert User.objects.filter(username="jo.bloggs").exists()


def test_the_admin_add_form_refuses_a_mixed_script_username(admin_browser):
    page = add_person(admin_browser, f"{CYRILLIC_A}dmin")
    assert page.status_code == 200
    assert "one alphabet" in page.content.decode()
    assert not User.objects.filter(username=f"{CYRILLIC_A}dmin").exists()


def test_the_admin_add_form_refuses_a_look_alike(admin_browser):
    make_user(username="manager")
    page = add_person(admin_browser, "rnanager")
    assert "looks too much like" in page.content.decode()
    assert not User.objects.filter(username="rnanager").exists()


def change_person(admin_browser, user: User, **changes):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on", "role": user.role, "agency": user.agency_id or "",
        "line_manager": "", "deputy": "", "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
        **changes,
    }
    return admin_browser.post(f"/admin/accounts/user/{user.pk}/change/", data)


def test_the_admin_change_form_refuses_hidden_characters_in_names(admin_browser):
    pat = make_user(username="pat", first_name="Pat")
    page = change_person(admin_browser, pat, first_name="Pat\u202eevil")
    assert page.status_code == 200 and "text-direction" in page.content.decode()
    pat.refresh_from_db()
    assert pat.first_name == "Pat"


def test_the_admin_change_form_leaves_an_older_username_alone_unless_it_changes(admin_browser):
    make_user(username="manager")
    older = make_user(username="rnanager")  # made before the rules
    assert change_person(admin_browser, older, first_name="Rn").status_code == 302
    page = change_person(admin_browser, older, username="rnanager2", first_name="Rn")
    assert page.status_code == 302  # a new username that looks like nobody's
    older.refresh_from_db()
    assert older.username == "rnanager2"


@pytest.mark.parametrize("name, message", [
    ("North\u202e agency", "text-direction"),
    ("North\x07 agency", "control characters"),
    ("North <b>agency</b>", "markup"),
])
def test_agency_names_refuse_hidden_characters_and_markup(admin_browser, name, message):
    page = admin_browser.post("/admin/agencies/agency/add/", {"name": name, "slug": "north", "kind": ""})
    assert page.status_code == 200 and message in page.content.decode()
    assert not Agency.objects.filter(slug="north").exists()


def test_a_plain_agency_is_added(admin_browser):
    assert admin_browser.post("/admin/agencies/agency/add/", {"name": "North agency", "slug": "north",
                                                               "kind": "Health"}).status_code == 302
    agency = make_agency(name="South agency")
    page = admin_browser.post(f"/admin/agencies/agency/{agency.pk}/change/",
                              {"name": "South\u200b agency", "slug": agency.slug, "kind": ""})
    assert "zero-width" in page.content.decode()
