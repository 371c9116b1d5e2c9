"""Single sign-on in a real browser against the stand-in provider (tests/sso/provider.py).

The button on the sign-in page goes to the provider, which approves at once as the test's chosen
person and sends the browser back; ISG lands them on their role's start page. A person whose
groups give no place in ISG sees the refusal page. axe-core runs on the sign-in page (with the
button) and on the refusal page; conftest fails the test on any console error (CSP included).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from isg.accounts.models import User
from tests.factories import make_agency
from tests.sso.flow import configure
from tests.sso.provider import StandInProvider

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "Sign in with your organisation account"


@pytest.fixture
def provider(settings):
    stand_in = StandInProvider().start()
    configure(settings, stand_in)
    yield stand_in
    stand_in.stop()


def test_the_sso_button_signs_a_manager_in_to_their_start_page(page, live_server, provider):
    north = make_agency(name="North agency", slug="north")
    provider.identity = {"sub": "mo-42", "given_name": "Mo", "family_name": "Manager",
                         "groups": ["isg-north-managers"]}

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()  # the local form stays
    assert_accessible(page)
    page.get_by_role("button", name=BUTTON, exact=True).click()

    expect(page.locator("h1")).to_have_text("My decisions")
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/decisions/$"))
    user = User.objects.get(sso_identity__subject="mo-42")
    assert (user.role, user.agency_id) == (User.Role.LINE_MANAGER, north.pk)


def test_an_unmapped_organisation_account_sees_the_refusal_page(page, live_server, provider, console_errors):
    console_errors.allow(r"status of 403 .*/sso/callback/")  # the refusal page answers 403, on purpose
    make_agency(name="North agency", slug="north")
    provider.identity = {"sub": "fin-7", "given_name": "Fay", "groups": ["finance"]}

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=BUTTON, exact=True).click()

    expect(page.locator("h1")).to_have_text("Your organisation account is not set up for this service")
    assert_accessible(page)
    assert not User.objects.exists()
    page.get_by_role("link", name="Go to the sign-in page").click()
    expect(page.locator("h1")).to_have_text("Sign in")
