"""A reader who opens a decision from a filtered register page is led back to that same page, and
the back link can only ever go to the register (never an open redirect)."""

from __future__ import annotations

import html
import re

import pytest

from .test_register import client_for, search

pytestmark = pytest.mark.django_db

URL = "/register/"


def decision_link(page: str, decision) -> str:
    found = re.search(rf'href="(/decisions/{decision.public_id}/outcome/[^"]*)"', page)
    assert found, "no link to the decision"
    return html.unescape(found.group(1))


def back_link(page: str) -> tuple[str, str]:
    found = re.search(r'<a href="([^"]*)" class="govuk-back-link">([^<]*)</a>', page)
    assert found, "no back link"
    return html.unescape(found.group(1)), found.group(2)


def test_the_partnership_goes_back_to_the_same_filtered_register_page(world):
    users, d = world
    client = client_for(users["lscb"])
    register = client.get(URL, {"agency": "north", "status": "awaiting_approval"})
    link = decision_link(register.content.decode(), d["refused"])
    assert "?back=" in link

    href, label = back_link(client.get(link).content.decode())
    assert label == "Back to the register"
    assert href == "/register/?agency=north&status=awaiting_approval"
    again = client.get(href).content.decode()
    assert str(d["refused"].public_id) in again and str(d["consent"].public_id) not in again


def test_a_searched_register_page_comes_back_with_its_token_never_the_words(world):
    users, d = world
    client = client_for(users["lscb"])
    found = search(client, "zebrafish", {"agency": "north"})
    link = decision_link(found.content.decode(), d["consent"])
    assert "zebrafish" not in link
    href, _ = back_link(client.get(link).content.decode())
    assert href.startswith("/register/?") and "search=" in href and "agency=north" in href
    assert "zebrafish" not in href
    assert str(d["consent"].public_id) in client.get(href).content.decode()  # the same search, still the reader's


def test_without_a_filter_the_link_goes_to_the_plain_register(world):
    users, d = world
    client = client_for(users["lscb"])
    href, _ = back_link(client.get(f"/decisions/{d['consent'].public_id}/outcome/").content.decode())
    assert href == "/register/"


@pytest.mark.parametrize("back", [
    "https://evil.example/steal", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "agency=north&next=https://evil.example/", "%0d%0aLocation: https://evil.example/", "x" * 3000,
    "q=the+childs+name&agency=north",
])
def test_the_back_target_is_only_ever_the_register(world, back):
    users, d = world
    client = client_for(users["lscb"])
    response = client.get(f"/decisions/{d['consent'].public_id}/outcome/", {"back": back})
    assert response.status_code == 200
    href, _ = back_link(response.content.decode())
    assert href == "/register/" or href.startswith("/register/?")
    assert "evil.example/" not in href.split("?")[0] and "childs" not in href and "\n" not in href
