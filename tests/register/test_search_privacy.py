"""Search words stay out of URLs (DP-7), and every register search is audited without them (AT-1).

The filter form POSTs; the register redirects to its URL with `search=<token>` in place of the
words. The token is its maker's alone, unguessable and short-lived. Links on the page (pages,
exports, "back to the register") carry the token, never the words, and exports from a searched
filter export what the search found. Each request that lists or counts decisions writes one
`searched` audit event whose payload holds filter codes and a keyed hash of the words.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import uuid

import pytest
from django.test import Client

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.exports.models import ExportJob
from isg.register import search as register_search
from isg.register.services import PAGE_SIZE

from .test_register import CSRF, ROW, URL, client_for, csrf, ids, rows

pytestmark = pytest.mark.django_db

CANARY = "Zebrafish"  # a word of NORTH-1's rationale, standing in for a child's name
HREFS = re.compile(r'(?:href|action|hx-get|hx-post)="([^"]*)"')


def post_filter(client: Client, data: dict, **extra):
    return client.post(URL, {"csrfmiddlewaretoken": csrf(client), **data}, **extra)


def searched_url(client: Client, words: str = CANARY, **filters) -> str:
    response = post_filter(client, {"q": words, **filters})
    assert response.status_code == 302
    return response["Location"]


def urls_in(body: str) -> list[str]:
    return [html.unescape(url) for url in HREFS.findall(body)]


def searches():
    return AuditEvent.objects.filter(action=AuditEvent.Action.SEARCHED).order_by("seq")


def test_the_words_go_in_the_post_and_the_url_gets_a_token(world):
    users, d = world
    client = client_for(users["lscb"])
    location = searched_url(client, agency="north")
    assert re.fullmatch(r"/register/\?agency=north&search=[A-Za-z0-9_-]{22}", location)
    response = client.get(location)
    body = response.content.decode()
    assert set(rows(response)) == ids(d["consent"])
    # The page may show the words (the search box, "Filtered by"), but no address on it holds them.
    assert f'value="{CANARY}"' in body
    assert all(CANARY.lower() not in url.lower() for url in urls_in(body))
    # The export buttons carry the same token (a form field, and no words either).
    assert 'name="filter" value="agency=north&amp;search=' in body


def test_htmx_gets_the_token_url_to_fetch_and_push(world):
    users, _ = world
    client = client_for(users["lscb"])
    response = post_filter(client, {"q": CANARY}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    location = json.loads(response["HX-Location"])
    assert location["target"] == "#register-body" and CANARY.lower() not in location["path"].lower()
    assert location["path"].startswith("/register/?search=")


def test_the_same_words_get_the_same_token_and_other_words_another(world):
    users, _ = world
    client = client_for(users["lscb"])
    first, again, other = searched_url(client), searched_url(client), searched_url(client, "meeting")
    assert first == again and first != other


def test_a_token_is_its_makers_alone(world):
    users, _ = world
    location = searched_url(client_for(users["lscb"]))
    colleague = client_for(users["manager"])  # may use the register, but did not make this search
    body = colleague.get(location).content.decode()
    assert "That search has expired or was not made by you" in body
    assert ROW.findall(body) == [] and CANARY not in body


def test_a_token_expires(world, monkeypatch):
    users, d = world
    client = client_for(users["lscb"])
    location = searched_url(client)
    assert set(rows(client.get(location))) == ids(d["consent"])
    later = time.time() + register_search.MAX_AGE + 1
    monkeypatch.setattr(register_search.time, "time", lambda: later)
    body = client.get(location).content.decode()
    assert "There is a problem" in body and "That search has expired" in body
    assert ROW.findall(body) == []  # never the unsearched list in its place


def test_a_link_with_words_in_it_is_moved_to_a_token(world):
    """Links made before the words left URLs (and the dashboard's filter) still work, once."""
    users, d = world
    client = client_for(users["lscb"])
    response = client.get(URL, {"q": CANARY, "agency": "north"})
    assert response.status_code == 302
    assert re.fullmatch(r"/register/\?agency=north&search=[A-Za-z0-9_-]{22}", response["Location"])
    assert set(rows(client.get(response["Location"]))) == ids(d["consent"])


def test_exports_from_a_searched_filter_export_what_the_search_found(world, settings, tmp_path):
    settings.ISG_EXPORT_DIR = tmp_path / "exports"
    users, d = world
    client = client_for(users["lscb"])
    page = client.get(searched_url(client)).content.decode()
    carried = html.unescape(re.search(r'name="filter" value="([^"]*)"', page).group(1))
    token = CSRF.search(page).group(1)
    response = client.post("/exports/csv/", {"csrfmiddlewaretoken": token, "filter": carried})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    assert [row["case_reference"] for row in csv.DictReader(io.StringIO(text))] == ["NORTH-1"]
    # The export's own page, as a link from the register would open it: the token, not the words.
    start = client.get(f"/exports/zip/?{carried}")
    assert start.status_code == 200 and "1 decision matches" in start.content.decode()
    assert all(CANARY.lower() not in url.lower() for url in urls_in(start.content.decode()))
    # A job keeps the words for the worker; its page links back with a token.
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 0, "zip": 0}
    response = client.post("/exports/csv/", {"csrfmiddlewaretoken": token, "filter": carried})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and "q=" in job.query
    job_page = client.get(response["Location"]).content.decode()
    assert all(CANARY.lower() not in url.lower() for url in urls_in(job_page))
    assert "/register/?search=" in html.unescape(job_page)


def test_an_expired_token_is_refused_by_the_export(world, monkeypatch):
    users, _ = world
    client = client_for(users["lscb"])
    carried = searched_url(client).split("?", 1)[1]
    token = csrf(client)
    later = time.time() + register_search.MAX_AGE + 1
    monkeypatch.setattr(register_search.time, "time", lambda: later)
    response = client.post("/exports/csv/", {"csrfmiddlewaretoken": token, "filter": carried})
    assert response.status_code == 400 and "That search has expired" in response.content.decode()


# -- the audit of searches (AT-1) -----------------------------------------------------------------


def test_one_event_per_search_request_holding_codes_and_a_hash_never_the_words(world):
    users, _ = world
    client = client_for(users["lscb"])
    token = csrf(client)  # one listing: the plain register
    assert searches().count() == 1
    location = client.post(URL, {"csrfmiddlewaretoken": token, "q": f"{CANARY} meeting", "agency": "north",
                                 "flag": "consent_status:given"})["Location"]
    assert searches().count() == 1  # the POST runs no search: it only stores the words and redirects
    client.get(location)
    client.get(location, headers={"HX-Request": "true"})
    assert searches().count() == 3  # one per request that listed decisions
    event = searches().last()
    assert event.actor == users["lscb"] and event.subject_type == "register" and event.subject_id == "register"
    criteria = event.payload["criteria"]
    assert criteria["agency"] == "north" and criteria["flag"] == "consent_status:given"
    assert criteria["search_words"] == 2 and re.fullmatch(r"[0-9a-f]{64}", criteria["search_hmac"])
    assert criteria["search_hmac"] == register_search.digest(f"{CANARY.lower()}  MEETING")  # same words, same hash
    assert event.payload["count"] == 1 and event.payload["later_page"] is False
    stored = json.dumps([e.payload for e in AuditEvent.objects.all()]).lower()
    assert CANARY.lower() not in stored and "meeting" not in stored


def test_an_invalid_filter_or_a_bad_token_lists_nothing_and_logs_no_search(world):
    users, _ = world
    client = client_for(users["lscb"])
    client.get(URL, {"agency": "nowhere"})
    client.get(URL, {"search": "not-a-token"})
    post_filter(client, {"q": "x" * 201})
    assert searches().count() == 1  # only the plain listing `csrf()` opened


def test_an_export_page_counting_a_filter_is_a_search_and_its_progress_polls_are_not(world, settings, tmp_path):
    settings.ISG_EXPORT_DIR = tmp_path / "exports"
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 0, "zip": 0}
    users, _ = world
    client = client_for(users["lscb"])
    start = client.get("/exports/csv/", {"agency": "north"})
    token = CSRF.search(start.content.decode()).group(1)
    (event,) = searches()
    assert event.subject_id == "export_csv" and event.payload["criteria"] == {"agency": "north"}
    job_url = client.post("/exports/csv/", {"csrfmiddlewaretoken": token, "filter": "agency=north"})["Location"]
    for _ in range(3):
        client.get(job_url, headers={"HX-Request": "true"})
    assert searches().count() == 1


def test_pages_of_a_search_carry_the_token_and_each_page_is_its_own_listing(world):
    """Reading a further page reads further records: logged again, marked as a later page."""
    users, d = world
    template = Decision.objects.get(pk=d["consent"].pk)  # its rationale holds the canary
    clones = []
    for n in range(PAGE_SIZE):
        clone = Decision.objects.get(pk=template.pk)
        clone.pk, clone.public_id, clone.start_token = None, uuid.uuid4(), None
        clone.case_reference = f"CLONE-{n:02d}"
        clones.append(clone)
    Decision.objects.bulk_create(clones)
    client = client_for(users["lscb"])
    location = searched_url(client)
    token = location.split("search=")[1]
    body = client.get(location).content.decode()
    assert "26 decisions match" in body
    links = urls_in(body)
    next_url = next(url for url in links if "cursor=" in url)
    assert f"search={token}" in next_url and all(CANARY.lower() not in url.lower() for url in links)
    later = client.get(URL + next_url).content.decode()
    assert len(ROW.findall(later)) == 1 and "a later page" in later
    assert all(CANARY.lower() not in url.lower() for url in urls_in(later))
    first, second = searches().filter(subject_id="register").order_by("-seq")[:2][::-1]
    assert first.payload["later_page"] is False and second.payload["later_page"] is True
    assert first.payload["criteria"] == second.payload["criteria"]
