"""The decision register: who sees what, every filter, search, keyset pages, bad input, htmx.

Search words go in a POST and come back as a token in the URL (DP-7), so the search tests post
the form as a browser does and follow the redirect (`search`); tests/register/test_search_privacy.py
covers the token and the audit of every search.
"""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from isg.access.services import decisions_visible_to
from isg.decisions.models import Decision
from isg.register import services
from tests.factories import make_decision

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/register/"
ROW = re.compile(r'data-decision="([0-9a-f-]{36})"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(client: Client) -> str:
    """The CSRF token as a browser gets it: from the filter form on the register."""
    return CSRF.search(client.get(URL).content.decode()).group(1)


def search(client: Client, words: str, filters: dict | None = None, **extra):
    """Post the filter form with `words` and follow its redirect: the register's answer to a search.
    The address it is sent to never holds the words."""
    posted = client.post(URL, {"csrfmiddlewaretoken": csrf(client), "q": words, **(filters or {})}, **extra)
    assert posted.status_code == 302, posted.content.decode()[:2000]
    location = posted["Location"]
    for word in words.split():
        assert word.lower() not in location.lower()
    return client.get(location)


def rows(response) -> list[str]:
    assert response.status_code == 200, response.content.decode()[:2000]
    return ROW.findall(response.content.decode())


def ids(*decisions) -> set[str]:
    return {str(d.public_id) for d in decisions}


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_lscb_sees_every_submitted_decision_and_no_draft(world):
    users, d = world
    seen = rows(client_for(users["lscb"]).get(URL))
    assert set(seen) == ids(d["consent"], d["refused"], d["emergency"], d["serious"])
    # newest first
    assert seen == [str(d[n].public_id) for n in ("serious", "emergency", "refused", "consent")]


@pytest.mark.parametrize("manager", ["manager", "manager2"])
def test_a_manager_sees_exactly_their_scope(world, manager):
    users, d = world
    user = users[manager]
    seen = set(rows(client_for(user).get(URL)))
    expected = {str(p) for p in decisions_visible_to(user).exclude(status__in=["draft", "superseded"])
                .values_list("public_id", flat=True)}
    assert seen == expected
    north = ids(d["consent"], d["refused"])
    assert seen == (north if manager == "manager" else ids(d["emergency"], d["serious"]))


@pytest.mark.parametrize("role", ["pat", "pat2", "trainer", "admin"])
def test_other_roles_are_refused(world, role):
    users, _ = world
    assert client_for(users[role]).get(URL).status_code == 403
    assert client_for(users[role]).get(URL, headers={"HX-Request": "true"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_lscb_lands_on_the_register_and_has_it_in_the_menu(world):
    users, _ = world
    client = client_for(users["lscb"])
    assert client.get("/")["Location"] == URL
    assert ">Decision register</a>" in client.get(URL).content.decode()
    assert ">Decision register</a>" in client_for(users["manager"]).get(URL).content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ({"agency": "north"}, ("consent", "refused")),
    ({"outcome": "outcome_share_limited"}, ("refused",)),
    ({"status": "recorded"}, ("consent",)),
    ({"status": "awaiting_approval"}, ("refused", "serious")),
    ({"status": "awaiting_review"}, ("emergency",)),
    ({"emergency": "yes"}, ("emergency",)),
    ({"overdue": "yes"}, ("emergency",)),
    ({"flag": "consent_status:refused"}, ("refused",)),
    ({"flag": "harm_level:serious"}, ("serious",)),
    ({"flag": "emergency:true"}, ("emergency",)),
    ({"from-day": "1", "from-month": "2", "from-year": "2026"}, ("refused", "emergency", "serious")),
    ({"to-day": "10", "to-month": "2", "to-year": "2026"}, ("consent", "refused")),
    ({"from-day": "1", "from-month": "2", "from-year": "2026", "to-day": "31", "to-month": "3", "to-year": "2026"},
     ("refused", "emergency")),
    ({"agency": "south", "emergency": "yes"}, ("emergency",)),
])
def test_each_filter_narrows_the_register(world, query, expected):
    users, d = world
    seen = rows(client_for(users["lscb"]).get(URL, query))
    assert set(seen) == ids(*(d[name] for name in expected))


def test_the_flowchart_version_filter(world):
    users, d = world
    client = client_for(users["lscb"])
    version = d["consent"].flowchart_version
    Decision.objects.filter(pk=d["serious"].pk).update(flowchart_version="1.0.1")
    assert set(rows(client.get(URL, {"version": version}))) == ids(d["consent"], d["refused"], d["emergency"])


def test_a_manager_filtering_never_widens_their_scope(world):
    users, d = world
    assert rows(client_for(users["manager"]).get(URL, {"agency": "south"})) == []


@pytest.mark.parametrize(("query", "found"), [
    ({"q": "zebrafish"}, ("consent",)),  # a word of a rationale (and the summary)
    ({"q": "ZEBRAFISH meeting"}, ("consent",)),
    ({"q": "SOUTH-1"}, ("emergency",)),  # a case reference
    ({"q": "nothing-like-this-anywhere"}, ()),
])
def test_search_finds_rationale_words_and_references(world, query, found):
    users, d = world
    assert set(rows(search(client_for(users["lscb"]), query["q"]))) == ids(*(d[name] for name in found))


def test_search_combines_with_the_other_filters(world):
    users, d = world
    client = client_for(users["lscb"])
    assert set(rows(search(client, "meeting"))) == ids(d["consent"])
    assert rows(search(client, "zebrafish", {"agency": "south"})) == []
    assert set(rows(search(client, "zebrafish", {"agency": "north"}))) == ids(d["consent"])


def test_search_finds_a_summary_word(world):
    users, _ = world
    pat = users["pat"]
    decision = make_decision(pat, "outcome_do_not_share", submit=True, case_reference="NORTH-3")
    path = decision.path
    path[0]["fields"]["summary"] = "Worries about a kestrel"
    Decision.objects.filter(pk=decision.pk).update(path=path)
    assert rows(search(client_for(users["lscb"]), "kestrel")) == [str(decision.public_id)]


@pytest.mark.parametrize(("query", "message"), [
    ({"agency": "nowhere"}, "There is no agency “nowhere”: choose one from the list"),
    ({"outcome": "outcome_teleport"}, "There is no outcome “outcome_teleport”"),
    ({"status": "draft"}, "There is no approval state “draft”"),
    ({"flag": "consent_status:bribed"}, "There is no answer recorded in the decision “consent_status:bribed”"),
    ({"version": "9.9"}, "There is no flowchart version “9.9”"),
    ({"emergency": "maybe"}, "can only be ticked or not"),
    ({"from-day": "31", "from-month": "2", "from-year": "2026"}, "Submitted from date must be a real date"),
    ({"from-day": "3", "from-year": "2026"}, "Submitted from date must include a month"),
    ({"to-day": "x", "to-month": "2", "to-year": "2026"}, "Submitted to date must be a real date"),
    ({"to-day": "1", "to-month": "2", "to-year": "26"}, "Submitted to year must include 4 numbers"),
    ({"from-day": "2", "from-month": "2", "from-year": "2026", "to-day": "1", "to-month": "2", "to-year": "2026"},
     "Submitted to date must be the same as or after the submitted from date"),
])
def test_bad_input_gets_a_clear_message_and_shows_nothing_else(world, query, message):
    users, _ = world
    response = client_for(users["lscb"]).get(URL, query)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert ROW.findall(body) == []
    assert "Correct the filter to see decisions" in body


def test_too_long_a_search_is_a_clear_message_and_shows_nothing(world):
    users, _ = world
    client = client_for(users["lscb"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(URL, {"csrfmiddlewaretoken": csrf(client), "q": "x" * 201}, headers=headers)
        body = response.content.decode()
        assert response.status_code == 200 and "Location" not in response and "HX-Location" not in response
        assert "There is a problem" in body and "Search must be 200 characters or fewer" in body
        assert ROW.findall(body) == [] and "Correct the filter to see decisions" in body


def test_the_filter_form_keeps_the_values_given(world):
    users, _ = world
    client = client_for(users["lscb"])
    # A wrong date: the POST answers with the form at once (nothing to redirect to), values kept.
    response = client.post(URL, {"csrfmiddlewaretoken": csrf(client), "agency": "north", "from-day": "31",
                                 "from-month": "2", "from-year": "2026", "q": "zebra"})
    assert response.status_code == 200 and "Submitted from date must be a real date" in response.content.decode()
    body = response.content.decode()
    assert 'value="north" checked>' in body
    assert 'name="from-day" type="text" inputmode="numeric" value="31"' in body
    assert 'value="zebra"' in body


def test_htmx_gets_the_results_fragment_and_a_full_load_gets_the_page(world):
    users, d = world
    client = client_for(users["lscb"])
    full = client.get(URL, {"agency": "north"})
    fragment = client.get(URL, {"agency": "north"}, headers={"HX-Request": "true"})
    assert "<html" in full.content.decode() and "<html" not in fragment.content.decode()
    assert fragment.content.decode().lstrip().startswith('<div id="register-body">')
    assert set(rows(fragment)) == set(rows(full)) == ids(d["consent"], d["refused"])
    assert "HX-Request" in full["Vary"] and "HX-Request" in fragment["Vary"]
    # The swapped-in form still posts to the register (not to "", which would pile up query strings).
    assert f'method="post" action="{URL}" hx-post="{URL}"' in fragment.content.decode()
    restore = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_the_page_shows_what_each_row_needs(world):
    users, d = world
    body = client_for(users["lscb"]).get(URL).content.decode()
    assert reverse("decisions:outcome", args=[d["serious"].public_id]) in body
    assert "SOUTH-1" in body and "North" in body and "Emergency</strong>" in body and "Overdue</strong>" in body
    assert "4 decisions match" in body
    # The register is a list, not the record: no rationale or summary text on it.
    assert "zebrafish" not in body


def test_the_register_is_read_only(world):
    """A POST is the filter form: it answers with the filter's address and changes no record."""
    users, d = world
    client = client_for(users["lscb"])
    before = list(Decision.objects.order_by("pk").values())
    token = csrf(client)
    response = client.post(URL, {"csrfmiddlewaretoken": token, "status": "recorded", "revision": 1, "answer": "yes"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?status=recorded"
    assert list(Decision.objects.order_by("pk").values()) == before


# -- keyset pages ------------------------------------------------------------------------------


@pytest.fixture
def sixty(world):
    """60 submitted decisions cloned from a real one, with ties in submitted_at to test the id order."""
    users, d = world
    template = Decision.objects.get(pk=d["consent"].pk)
    Decision.objects.exclude(status="draft").exclude(pk=template.pk).update(submitted_at=at(2020, 1, 1))
    clones = []
    for n in range(59):
        clone = Decision.objects.get(pk=template.pk)
        clone.pk, clone.public_id, clone.start_token = None, uuid.uuid4(), None
        clone.case_reference = f"PAGED-{n:02d}"
        clone.submitted_at = at(2025, 1, 1) + datetime.timedelta(hours=n // 3)  # three at each time
        clones.append(clone)
    Decision.objects.bulk_create(clones)
    Decision.objects.filter(pk=template.pk).update(submitted_at=at(2025, 1, 1))  # tied with the oldest clones
    return users, [str(p) for p in Decision.objects.filter(agency__slug="north").exclude(status="draft")
                   .exclude(case_reference="NORTH-2").order_by("-submitted_at", "-pk").values_list("public_id", flat=True)]


def next_link(body: str, rel: str) -> str | None:
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("cap", [services.COUNT_CAP, 10], ids=["page-chosen-from-the-matches", "page-read-by-keyset"])
def test_keyset_pages_visit_every_decision_once_in_order(sixty, cap, monkeypatch):
    # Up to the count's cap a page is chosen from the matches' positions; beyond it, read by keyset.
    monkeypatch.setattr(services, "COUNT_CAP", cap)
    users, expected = sixty
    client = client_for(users["lscb"])
    assert len(expected) == 60
    query = "?agency=north&status=recorded"
    pages, url = [], URL + query
    while url:
        body = client.get(url).content.decode()
        pages.append(ROW.findall(body))
        link = next_link(body, "next")
        url = URL + link if link else None
        assert "agency=north" in (link or "agency=north")  # the filters travel with the cursor
    seen = [row for page in pages for row in page]
    assert [len(p) for p in pages] == [25, 25, 10]
    assert seen == expected and len(set(seen)) == 60
    # ...and back again with "Previous", page by page, to a first page with no "Previous".
    back = [pages[-1]]
    while link := next_link(body, "prev"):
        body = client.get(URL + link).content.decode()
        back.append(ROW.findall(body))
    assert back[::-1] == pages
    assert "First page" not in body


def test_later_pages_offer_the_first_page(sixty):
    users, _ = sixty
    client = client_for(users["lscb"])
    body = client.get(URL).content.decode()
    body = client.get(URL + next_link(body, "next")).content.decode()
    assert "First page" in body and next_link(body, "prev")


def test_a_tampered_cursor_is_a_clear_400(sixty):
    users, _ = sixty
    client = client_for(users["lscb"])
    link = next_link(client.get(URL).content.decode(), "next")
    cursor = link.split("cursor=")[1]
    for bad in (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "nonsense", cursor.replace(":", "x", 1)):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(URL, {"cursor": bad}, headers=headers)
            assert response.status_code == 400
            body = response.content.decode()
            assert "That page link has been changed or is damaged" in body and "Nothing was changed" in body
            assert ROW.findall(body) == []


def test_a_cursor_cannot_be_forged_without_the_key():
    from django.core import signing

    forged = signing.dumps(["a", timezone.now().isoformat(), 1], salt="another.purpose")
    with pytest.raises(services.BadCursor):
        services.read_cursor(forged)
