"""Signing in: clear errors, no hint about which part was wrong, each role to its own start page."""

import pytest
from django.test import Client

from isg.accounts.models import User
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_signing_in_goes_to_my_decisions():
    make_user(username="pat")
    response = sign_in(csrf_client(), "pat")
    assert response.status_code == 302 and response["Location"] == "/decisions/"


def test_sign_in_is_refused_without_the_csrf_token():
    make_user(username="pat")
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "pat", "password": PASSWORD})
    assert response.status_code == 403 and "Your page had expired" in response.content.decode()


@pytest.mark.parametrize("role, is_staff, home", [
    (User.Role.PRACTITIONER, False, "/decisions/"),
    (User.Role.LINE_MANAGER, False, "/"),  # Approvals when anything waits, else their decisions
    (User.Role.PARTNERSHIP, False, "/"),
    (User.Role.TRAINER, False, "/case-studies/"),
    (User.Role.ADMIN, False, "/admin-pages/people/"),  # ISG's own pages, never Django's admin
    (User.Role.ADMIN, True, "/admin-pages/people/"),
])
def test_each_role_is_sent_to_a_page_it_may_use(role, is_staff, home):
    make_user(username="someone", role=role, is_staff=is_staff)
    client = csrf_client()
    response = sign_in(client, "someone")
    assert response.status_code == 302 and response["Location"] == home
    # The bug was a 403 at the end of this journey; other pages' own tests check their content.
    client.raise_request_exception = False
    landed = client.get(home, follow=True)
    assert landed.status_code not in (403, 404), landed.redirect_chain
    if role not in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER):
        assert not landed.request["PATH_INFO"].startswith("/decisions/")


def test_a_safe_next_page_is_honoured_and_an_unsafe_one_is_not():
    make_user(username="pat")
    client = csrf_client()
    response = post(client, "/accounts/login/", {"username": "pat", "password": PASSWORD, "next": "/decisions/new/"})
    assert response["Location"] == "/decisions/new/"
    other = csrf_client()
    response = post(other, "/accounts/login/", {"username": "pat", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/decisions/"


def test_a_wrong_password_shows_one_error_that_does_not_say_which_part_was_wrong():
    make_user(username="pat")
    client = csrf_client()
    page = sign_in(client, "pat", "wrong").content.decode()
    assert page.count("There is a problem") == 1
    assert "Please enter a correct username and password" in page
    assert 'href="#id_username"' in page
    unknown = sign_in(client, "nobody", "wrong").content.decode()
    assert "Please enter a correct username and password" in unknown


def test_empty_fields_say_what_to_enter():
    page = post(csrf_client(), "/accounts/login/", {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in page and "Enter your password" in page
    assert 'href="#id_username"' in page


def test_demo_data_loads_two_agencies_and_a_user_per_role(settings):
    from django.core.management import call_command

    from isg.agencies.models import Agency

    settings.DEBUG = True
    call_command("load_demo", stdout=__import__("io").StringIO())
    assert Agency.objects.count() == 2
    assert set(User.objects.values_list("username", flat=True)) == {
        "practitioner", "practitioner2", "manager", "deputy", "director", "manager2", "lscb", "trainer", "admin",
        "admin2", "dpo",
    }
    practitioner, other = User.objects.get(username="practitioner"), User.objects.get(username="practitioner2")
    assert practitioner.agency != other.agency and practitioner.line_manager.username == "manager"


def test_demo_data_is_refused_outside_local_development(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="never loaded"):
        call_command("load_demo")
