"""Two app servers share PostgreSQL and Redis: whatever one server starts, the other carries on.

Real gunicorn processes, real HTTP, one cookie jar per person moved from server A to server B as
a load balancer would; CSRF tokens and revisions come from the forms the servers send.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from isg.approvals.views import ALREADY_ACTED
from isg.decisions.models import Decision, DecisionEvent
from tests.engine.walks import WALKS
from tests.factories import make_agency

from .conftest import PASSWORD, seed_user
from .practitioner import Browser, Walker, errors, form_value, sign_in
from .servers import readiness

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]
A, B = 0, 1


def pairs_of(decision: Decision) -> list[str]:
    return [f"{step['node']}:{step['answer']}" for step in decision.path]


def mails(cluster, expected: int, timeout: float = 20) -> str:
    """The mail the worker has written so far, once there are `expected` messages (or the time is up)."""
    until = time.monotonic() + timeout
    while True:
        text = "\n".join(p.read_text() for p in sorted(cluster.mail_dir.iterdir()))
        if text.count("Subject: ") >= expected or time.monotonic() > until:
            return text
        time.sleep(0.2)


def test_both_servers_are_ready_and_the_worker_beats(cluster):
    for server in (cluster.a, cluster.b):
        status, body = readiness(server.url)
        assert status == 200, body
        assert body["worker"] == "ok", body  # reported apart: a stopped worker never fails readiness
        assert body["checks"]["cache"] == "ok" and body["checks"]["database"] == "ok", body


def test_a_walk_started_on_one_server_is_continued_and_recorded_on_the_other(cluster):
    seed_user("pat")
    pairs = WALKS["outcome_share_with_consent"]
    browser = Browser(cluster.urls, preferred=A)
    walker = Walker(browser, pairs, case_reference="SCALE-1")
    walker.sign_in("pat", PASSWORD)
    url = walker.walk(steps=6)
    assert set(browser.served_by) == {A}
    assert len(walker.acknowledged) == 7  # the first page and six questions, all on A

    served_on_a = len(browser.served_by)
    browser.use(B)
    outcome_url = walker.go_on(url)
    assert set(browser.served_by[served_on_a:]) == {B}  # the same session cookie, signed in on B

    decision = Decision.objects.get(public_id=walker.public_id)
    assert decision.status == Decision.Status.RECORDED
    assert pairs_of(decision) == list(pairs)
    assert [(a.index, a.node) for a in walker.acknowledged] == [(i, p.split(":")[0]) for i, p in enumerate(pairs)]
    page = browser.send("GET", outcome_url).text
    assert "SCALE-1" in page and "with consent" in page.lower()


def test_failed_sign_ins_on_one_server_throttle_that_username_on_the_other(cluster):
    seed_user("lee")
    seed_user("sam")
    on_a = Browser(cluster.urls, preferred=A)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page = on_a.send("GET", "/accounts/login/").text
        reply = on_a.send("POST", "/accounts/login/", {"csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"),
                                                       "username": "lee", "password": f"wrong-{attempt}"})
        assert reply.status in (200, 429), reply.status
    assert set(on_a.served_by) == {A}

    on_b = Browser(cluster.urls, preferred=B)
    page = on_b.send("GET", "/accounts/login/").text
    token = form_value(page, "csrfmiddlewaretoken")
    reply = on_b.send("POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": "lee", "password": PASSWORD})
    assert reply.status == 429
    assert "Too many attempts to sign in" in reply.text
    assert on_b.send("GET", "/decisions/").status == 302  # not signed in
    # Only that username is paused: another person signs in on B from the same address.
    sign_in(on_b, "sam", PASSWORD)
    assert set(on_b.served_by) == {B}


def test_an_approval_made_on_one_server_makes_the_form_open_on_the_other_stale_and_the_worker_mails(cluster):
    agency = make_agency(name="Avon Health")
    manager = seed_user("manager", role="line_manager", agency=agency, email="manager@example.org")
    seed_user("pat", agency=agency, line_manager=manager, email="pat@example.org")
    pairs = WALKS["outcome_share_without_consent"]
    walker = Walker(Browser(cluster.urls, preferred=A), pairs, case_reference="SCALE-2")
    walker.sign_in("pat", PASSWORD)
    walker.walk()
    decision = Decision.objects.get(public_id=walker.public_id)
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    # The worker, not the request, sent the approver's mail (the servers have no mail transport).
    sent = mails(cluster, 1)
    assert "Subject: A decision is waiting for your approval" in sent and "To: manager@example.org" in sent
    assert f"/approvals/{decision.public_id}/" in sent

    manager_browser = Browser(cluster.urls, preferred=A)
    sign_in(manager_browser, "manager", PASSWORD)
    url = f"/approvals/{decision.public_id}/"
    open_on_a = manager_browser.send("GET", url).text  # a tab left open on server A
    assert "Your decision" in open_on_a and "Send your decision" in open_on_a

    manager_browser.use(B)
    on_b = manager_browser.send("GET", url).text
    approved = manager_browser.send("POST", url, {
        "csrfmiddlewaretoken": form_value(on_b, "csrfmiddlewaretoken"), "revision": form_value(on_b, "revision"),
        "action": "approve", "reason": "Proportionate and necessary",
    })
    assert approved.status in (302, 303) and approved.location.endswith("/approvals/"), errors(approved.text)

    manager_browser.use(A)
    stale = manager_browser.send("POST", url, {
        "csrfmiddlewaretoken": form_value(open_on_a, "csrfmiddlewaretoken"),
        "revision": form_value(open_on_a, "revision"), "action": "escalate", "reason": "Changed my mind",
    })
    assert stale.status in (302, 303) and stale.location.endswith(url)
    shown = manager_browser.send("GET", stale.location).text
    assert ALREADY_ACTED.split(",")[0] in shown  # "Someone else acted on this decision first"
    assert manager_browser.served_by[-2:] == [A, A]

    decision.refresh_from_db()
    assert decision.status == Decision.Status.APPROVED  # the stale escalation changed nothing
    kinds = list(decision.events.values_list("kind", flat=True))
    assert kinds.count(DecisionEvent.Kind.APPROVED) == 1
    assert DecisionEvent.Kind.NOT_APPROVED not in kinds
    sent = mails(cluster, 2)
    assert "Subject: Your decision was approved" in sent and "To: pat@example.org" in sent
