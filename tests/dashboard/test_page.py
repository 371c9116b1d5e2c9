"""The page shows each audit figure with its definition, and its links open exactly its rows."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest

from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.factories import make_decision

from .conftest import client_for
from .test_audit_figures import not_approve

pytestmark = pytest.mark.django_db


@pytest.fixture
def html(world) -> str:
    d = world.decisions
    Approval.objects.filter(decision=d["serious2"]).update(due_at=d["serious2"].submitted_at + datetime.timedelta(hours=8))
    Decision.objects.filter(pk=d["serious1"].pk).update(state=dict(d["serious1"].state, recipient_kind="police"))
    refused = make_decision(world.users["pat2"], "outcome_share_limited", submit=True, case_reference="S-6")
    not_approve(refused, world.users["manager2"])
    response = client_for(world.users["lscb"]).get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, id_: str) -> str:
    return re.search(rf'<section class="isg-chart"[^>]*id="{id_}">(.*?)</section>', html, re.S).group(1)


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def register_count(world, url: str) -> int:
    page = client_for(world.users["lscb"]).get(unescape(url)).content.decode()
    return int(re.search(r'id="register-count">(\d+) decisions? match', page).group(1))


def test_each_key_figure_says_what_it_counts(html):
    figures = re.search(r'<dl class="govuk-summary-list" id="key-figures">(.*?)</dl>', html, re.S).group(1)
    rows = {text(key): text(value) for key, value in
            re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
                       figures, re.S)}
    assert rows["Shared"].startswith("8 decisions, 67%") and "went ahead" in rows["Shared"]
    assert rows["Waiting for approval or review"].startswith("2 decisions, 17%")
    assert rows["Not approved"].startswith("1 decision, 8%") and "did not approve" in rows["Not approved"]
    assert rows["Not shared, returned or still open"].startswith("1 decision")
    assert rows["Overdue approvals and reviews"].startswith("1 ") and "after the time" in rows["Overdue approvals and reviews"]
    assert rows["Overdue follow-ups"].startswith("0 ")
    assert rows["Withdrawn"].startswith("0 decisions")  # submitted in error: apart, never in the figures


def test_every_status_timeliness_matrix_and_month_is_on_the_page(html):
    statuses = section(html, "table-status")
    assert re.search(r'data-key="not_approved">.*?status=not_approved">Not approved</a>.*?data-count>1<', statuses, re.S)
    assert re.search(r'data-key="approved">.*?data-count>5<', statuses, re.S)
    agency = re.search(r'id="table-timeliness-agency"(.*?)</table>', html, re.S).group(1)
    south = text(re.search(r'data-key="south">(.*?)</tr>', agency, re.S).group(1))
    # South answered 4: approved after 2, 4 and 10 hours, and the refusal just now (its own request time).
    assert south.startswith("South 4") and "1 of 4 (25%)" in south
    approver = text(re.search(r'id="table-timeliness-approver"(.*?)</table>', html, re.S).group(1))
    assert "manager2 4" in approver and "manager 2" in approver
    matrix = section(html, "table-matrix")
    assert text(re.search(r'data-key="south">(.*?)</tr>', matrix, re.S).group(1)).startswith(
        "South 0 1 shared by South with police: see them in the register 0 "
        "2 shared by South with another organisation or person: see them in the register 3")
    trends = text(re.search(r'data-key="2026-04">(.*?)</tr>', section(html, "table-trends"), re.S).group(1))
    assert trends.startswith("April 2026 4")


def test_every_link_on_the_page_opens_the_register_on_exactly_the_number_shown(world, html):
    links = 0
    for row in re.findall(r'<div class="govuk-summary-list__row[^"]*"[^>]*>(.*?)</div>', html, re.S):
        url = re.search(r'href="(/register/\?[^"]+)"', row)
        if url:
            count = int(re.search(r'data-figure="[^"]+">(\d+)<', row).group(1))
            assert register_count(world, url.group(1)) == count, text(row)
            links += 1
    for url, count in re.findall(r'<a class="govuk-link" href="(/register/\?[^"]+)">(\d+)<', html):
        assert register_count(world, url) == int(count), url
        links += 1
    for url, count in re.findall(r'<a class="govuk-link" href="(/register/\?[^"]+)">[^<]+</a></th>\s*'
                                 r'<td class="govuk-table__cell govuk-table__cell--numeric" data-count>(\d+)<', html):
        assert register_count(world, url) == int(count), url
        links += 1
    assert links >= 15
