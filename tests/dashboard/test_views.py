"""The dashboard page: who may open it, the filters in the URL, htmx fragments, empty data."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from .conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
HX = {"HX-Request": "true"}


def page(world, query: str = "", **kwargs) -> str:
    response = client_for(world.users["lscb"]).get(f"{URL}{'?' if query else ''}{query}", **kwargs)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)', html)
    assert found, name
    return found.group(1).strip()


def table_counts(html: str, chart_id: str) -> dict[str, int]:
    section = re.search(rf'<section class="isg-chart"[^>]*id="{chart_id}">(.*?)</section>', html, re.S).group(1)
    return {key: int(n) for key, n in re.findall(r'<tr class="govuk-table__row" data-key="([^"]*)">.*?data-count>(\d+)<',
                                                  section, re.S)}


def test_lscb_sees_the_figures_with_a_chart_and_a_table_for_each(world):
    html = page(world)
    assert "<h1 class=\"govuk-heading-l\">Partnership dashboard</h1>" in html
    assert "11 decisions counted" in html
    assert table_counts(html, "chart-agency") == {"north": 6, "south": 5}
    assert table_counts(html, "chart-decision") == {"shared": 8, "waiting": 2, "not_approved": 0, "other": 1}
    assert table_counts(html, "chart-not-informing") == {"increases_risk": 1, "cannot_contact": 1}
    assert figure(html, "share-rate") == "73%" and figure(html, "rate-not_approved") == "0%"
    assert figure(html, "approval-median") == "3 hours"
    assert figure(html, "approval-p90") == "7 hours 36 minutes"
    assert figure(html, "overdue") == "1"
    for chart_id in ("chart-outcome", "chart-decision", "chart-agency", "chart-month", "chart-consent",
                     "chart-harm", "chart-not-informing"):
        section = re.search(rf'id="{chart_id}">(.*?)</section>', html, re.S).group(1)
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in section and 'role="img"' in section
        assert f'<title id="{chart_id}-title">' in section and f'<desc id="{chart_id}-desc">' in section
        assert '<table class="govuk-table isg-chart__table">' in section


def test_the_page_has_no_inline_style_or_script(world):
    html = page(world)
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert "<style" not in html
    # Every script is an external file (the CSP forbids inline ones).
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert 'href="/static/css/dashboard.css"' in html


def test_the_overdue_count_links_to_the_register_filtered_on_overdue_with_the_same_filters(world):
    html = page(world, "agency=south")
    row = re.search(r'Overdue approvals and reviews</dt>(.*?)</div>', html, re.S).group(1)
    assert 'data-figure="overdue">1<' in row
    link = unescape(re.search(r'<a class="govuk-link" href="([^"]+)"', row).group(1))
    assert link == "/register/?agency=south&overdue=yes"
    register = client_for(world.users["lscb"]).get(link).content.decode()
    assert "1 decision matches" in register


def test_filters_live_in_the_url_and_change_the_figures(world):
    html = page(world, "agency=north")
    assert "6 decisions counted" in html
    assert table_counts(html, "chart-agency") == {"north": 6}
    assert 'value="north" checked>' in html
    assert "<strong>Agency</strong> North" in html


def test_a_bad_filter_is_reported_and_shows_no_figures(world):
    html = page(world, "agency=atlantis&from-day=31&from-month=2&from-year=2026")
    assert "There is a problem" in html
    assert "There is no agency “atlantis”" in html and "Submitted from date must be a real date" in html
    assert "No figures shown" in html and "<svg xmlns" not in html


def test_no_matching_decisions_says_so_and_draws_nothing(world):
    client = client_for(world.users["lscb"])
    posted = client.post(URL, {"q": "nothing-matches-this"})
    assert posted.status_code == 302 and "nothing-matches-this" not in posted["Location"]
    html = client.get(posted["Location"]).content.decode()
    assert "0 decisions counted" in html
    assert 'id="dashboard-empty"' in html and "No submitted decisions match these filters" in html
    assert "<svg xmlns" not in html and "govuk-table" not in html


def test_an_empty_partnership_says_so(db):
    from isg.accounts.models import User
    from tests.factories import make_user

    lscb = make_user(username="lscb-empty", role=User.Role.PARTNERSHIP, agency=None)
    html = client_for(lscb).get(URL).content.decode()
    assert "No submitted decisions match yet" in html and "<svg xmlns" not in html


def test_htmx_gets_the_fragment_and_a_plain_request_the_whole_page(world):
    fragment = page(world, "agency=north", headers=HX)
    assert fragment.lstrip().startswith('<div id="dashboard-body">')
    assert "<html" not in fragment and "<h1" not in fragment
    assert "6 decisions counted" in fragment
    full = page(world, "agency=north")
    assert full.lstrip().startswith("<!DOCTYPE html>") and '<div id="dashboard-body">' in full
    response = client_for(world.users["lscb"]).get(URL, headers=HX)
    assert "HX-Request" in response["Vary"]


def test_the_form_works_without_javascript_and_htmx_enhances_it(world):
    html = page(world)
    form = re.search(r"<form[^>]*>", html.split('id="dashboard-body"')[1]).group(0)
    assert 'method="post"' in form and 'action="/dashboard/"' in form
    assert 'hx-post="/dashboard/"' in form and 'hx-target="#dashboard-body"' in form


def test_search_words_never_reach_a_url_and_every_counting_is_audited(world):
    from isg.audit.models import AuditEvent

    client = client_for(world.users["lscb"])
    posted = client.post(URL, {"q": "Harbour Street"})
    assert posted.status_code == 302 and "search=" in posted["Location"] and "Harbour" not in posted["Location"]
    html = client.get(posted["Location"]).content.decode()
    links = re.findall(r'href="([^"]*)"', html)
    assert links and not [link for link in links if "Harbour" in link]  # the register link carries the token
    # An old link with the words in it is moved to a token address first, counting nothing.
    old_link = client.get(f"{URL}?q=Harbour+Street")
    assert old_link.status_code == 302 and "Harbour" not in old_link["Location"]
    searched = AuditEvent.objects.filter(action="searched", subject_id="dashboard")
    assert searched.count() == 1
    assert "harbour" not in str(searched.get().payload).lower() and searched.get().payload["criteria"]["search_hmac"]


def test_lscb_has_the_dashboard_in_the_menu_and_others_do_not(world):
    assert ">Dashboard</a>" in page(world)
    assert ">Dashboard</a>" not in client_for(world.users["manager"]).get("/register/").content.decode()


@pytest.mark.parametrize("role", ["pat", "manager", "trainer", "admin"])
def test_other_roles_are_refused(world, role):
    assert client_for(world.users[role]).get(URL).status_code == 403
    assert client_for(world.users[role]).get(URL, headers=HX).status_code == 403


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_posted_filter_is_answered_with_its_url_and_a_bad_one_with_errors_changing_nothing(world):
    client = client_for(world.users["lscb"])
    posted = client.post(URL, {"agency": "north"})
    assert posted.status_code == 302 and posted["Location"] == f"{URL}?agency=north"
    bad = client.post(URL, {"agency": "no-such-agency", "submitted_from": "31/02/2026"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    assert client.put(URL).status_code in (403, 405)
