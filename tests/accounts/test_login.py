"""Signing in: clear errors, no hint about which part was wrong, and a pause after repeated failures."""

import pytest

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_signing_in_goes_to_my_decisions(client):
    make_user(username="pat")
    response = client.post("/accounts/login/", {"username": "pat", "password": PASSWORD})
    assert response["Location"] == "/decisions/"


def test_a_wrong_password_shows_one_error_that_does_not_say_which_part_was_wrong(client):
    make_user(username="pat")
    page = client.post("/accounts/login/", {"username": "pat", "password": "wrong"}).content.decode()
    assert page.count("There is a problem") == 1
    assert "Please enter a correct username and password" in page
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}).content.decode()
    assert "Please enter a correct username and password" in unknown


def test_repeated_failures_pause_signing_in_even_with_the_right_password(client):
    make_user(username="pat")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "pat", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "pat", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()



def test_demo_data_loads_two_agencies_and_a_user_per_role(settings):
    from django.core.management import call_command

    from isg.accounts.models import User
    from isg.agencies.models import Agency

    settings.DEBUG = True
    call_command("load_demo", stdout=__import__("io").StringIO())
    assert Agency.objects.count() == 2
    assert set(User.objects.values_list("username", flat=True)) == {
        "practitioner", "practitioner2", "manager", "lscb", "trainer", "admin",
    }
    practitioner, other = User.objects.get(username="practitioner"), User.objects.get(username="practitioner2")
    assert practitioner.agency != other.agency and practitioner.line_manager.username == "manager"


def test_demo_data_is_refused_outside_local_development(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="never loaded"):
        call_command("load_demo")
