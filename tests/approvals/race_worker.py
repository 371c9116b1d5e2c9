"""The race tests' body: `python -m tests.approvals.race_worker ROUNDS`, on DATABASE_URL.

Runs in its own process so that on SQLite the threads share a real database file (the test run's
in-memory database refuses concurrent writers with "database table is locked" instead of
waiting). Each request runs in its own thread with its own connection, released by a barrier.
Prints one JSON line of counts; exits non-zero (an AssertionError) on any round without exactly
one winner.
"""

from __future__ import annotations

import json
import os
import queue
import re
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from isg.approvals.models import Approval  # noqa: E402
from isg.decisions.models import Decision, DecisionEvent  # noqa: E402
from tests.approvals.conftest import make_people, ready_to_submit  # noqa: E402

Status, Kind = Decision.Status, DecisionEvent.Kind
RESULT = {"approve": Status.APPROVED, "not_approve": Status.NOT_APPROVED, "return": Status.RETURNED}


def signed_in(user) -> tuple[Client, str]:
    """A CSRF-enforcing client and a token for it (from the sign-out form every page carries)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/decisions/" if user.can_make_decisions else "/approvals/").content.decode()
    return client, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


class Racers:
    """Long-lived threads, one per racer, each with its own database connection for every round.

    `at_once(f, g)` hands one callable to each thread; a barrier releases them together.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.barrier = threading.Barrier(count)
        self.inboxes = [queue.Queue() for _ in range(count)]
        self.outbox: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(count)]
        for thread in self.threads:
            thread.start()

    def _run(self, i: int) -> None:
        try:
            while (job := self.inboxes[i].get()) is not None:
                try:
                    self.barrier.wait(timeout=10)
                    self.outbox.put((i, job()))
                except Exception as exc:
                    self.outbox.put((i, exc))
        finally:
            connections.close_all()

    def at_once(self, *jobs) -> list:
        for inbox, job in zip(self.inboxes, jobs, strict=True):
            inbox.put(job)
        results: list = [None] * self.count
        for _ in jobs:
            i, result = self.outbox.get(timeout=30)
            results[i] = result
        assert all(not isinstance(r, Exception) for r in results), results
        return results

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            thread.join(timeout=10)


def copy_of(template: Decision, **fields) -> Decision:
    """A fresh decision with the template's complete answers (walking the pages 100 times is slow)."""
    return Decision.objects.create(
        owner=template.owner, agency=template.agency, case_reference=template.case_reference,
        flowchart_id=template.flowchart_id, flowchart_version=template.flowchart_version, path=template.path,
        state=template.state, current_node=template.current_node, record=template.record,
        outcome=template.outcome, requires_approval=template.requires_approval,
        approval_mode=template.approval_mode or "before_sharing", **fields,
    )


def approvers(rounds: int, people, template: Decision) -> dict:
    """Two approvers (agency queue) or one approver's two tabs act at once: exactly one wins."""
    manager, manager_token = signed_in(people.manager)
    second_tab, second_tab_token = signed_in(people.manager)
    peer, peer_token = signed_in(people.peer)
    actions = ("approve", "not_approve", "return")
    wins = {"first": 0, "second": 0}
    racers = Racers(2)
    for n in range(rounds):
        decision = copy_of(template, status=Status.AWAITING_APPROVAL, submitted_at=timezone.now())
        # The agency queue: any manager of the agency may act, so two different people can race.
        Approval.objects.create(decision=decision, approver=None, routed_by="agency", requested_at=timezone.now())
        other, other_token = (peer, peer_token) if n % 2 else (second_tab, second_tab_token)
        first_action, second_action = actions[n % 3], actions[(n + 1) % 3]
        url = f"/approvals/{decision.public_id}/"

        def post(client, token, action, url=url, revision=decision.revision):
            return client.post(url, {"csrfmiddlewaretoken": token, "revision": revision, "action": action,
                                     "reason": f"Reason for {action}", "review_date": "1 1 2099"})

        a, b = racers.at_once(lambda: post(manager, manager_token, first_action),  # noqa: B023 - run before the loop moves on
                       lambda: post(other, other_token, second_action))  # noqa: B023
        won = [r for r in (a, b) if r.status_code == 302 and r["Location"] == "/approvals/"]
        lost = [r for r in (a, b) if r.status_code == 302 and r["Location"] == url]
        assert (len(won), len(lost)) == (1, 1), (n, a.status_code, b.status_code, a.get("Location"), b.get("Location"))
        winner_action = first_action if won[0] is a else second_action
        wins["first" if won[0] is a else "second"] += 1
        decision.refresh_from_db()
        assert decision.status == RESULT[winner_action], n
        assert decision.revision == 1, n
        decided = decision.events.filter(kind__in=[Kind.APPROVED, Kind.NOT_APPROVED, Kind.RETURNED])
        assert decided.count() == 1, n
        if n % 25 == 0:  # the loser is told, on the page it is sent back to (rendering it each round is slow)
            loser = other if won[0] is a else manager
            assert "Someone else acted on this decision first" in loser.get(url).content.decode(), n
    racers.stop()
    return {"rounds": rounds, "one_winner_each": rounds, **wins}


def double_submit(rounds: int, people, template: Decision) -> dict:
    """The practitioner's Record button pressed twice at once (or in two tabs): one result."""
    first, first_token = signed_in(people.practitioner)
    second, second_token = signed_in(people.practitioner)
    mail.outbox.clear()
    racers = Racers(2)
    for n in range(rounds):
        decision = copy_of(template, status=Status.DRAFT)
        url = f"/decisions/{decision.public_id}/check/"
        a, b = racers.at_once(
            lambda url=url: first.post(url, {"csrfmiddlewaretoken": first_token, "revision": 0}),
            lambda url=url: second.post(url, {"csrfmiddlewaretoken": second_token, "revision": 0}),
        )
        assert {a.status_code, b.status_code} == {302}, (n, a.status_code, b.status_code)
        decision.refresh_from_db()
        assert decision.status == Status.AWAITING_APPROVAL, n
        assert decision.events.filter(kind=Kind.SUBMITTED).count() == 1, n
        assert Approval.objects.filter(decision=decision).count() == 1, n
    racers.stop()
    assert len(mail.outbox) == rounds  # one email to the approver per decision
    return {"rounds": rounds, "one_result_each": rounds, "emails": len(mail.outbox)}


def hand_over_or_approve(rounds: int, people, template: Decision) -> dict:
    """The approver approves in one tab while handing the same item to a colleague in another: one wins."""
    approving, approving_token = signed_in(people.manager)
    handing, handing_token = signed_in(people.manager)
    wins = {"approved": 0, "handed_over": 0}
    racers = Racers(2)
    for n in range(rounds):
        decision = copy_of(template, status=Status.AWAITING_APPROVAL, submitted_at=timezone.now())
        Approval.objects.create(decision=decision, approver=people.manager, routed_by="line_manager",
                                requested_at=timezone.now())
        url = f"/approvals/{decision.public_id}/"
        a, b = racers.at_once(
            lambda url=url: approving.post(url, {"csrfmiddlewaretoken": approving_token, "revision": 0,
                                                 "action": "approve", "reason": "Proportionate"}),
            lambda url=url: handing.post(f"{url}hand-over/", {"csrfmiddlewaretoken": handing_token, "revision": 0,
                                                             "to": people.peer.pk, "reason": "In court all day"}),
        )
        # A loser that got past the access check is sent back to the page with "someone acted first"; one
        # that arrives after the winner committed no longer reaches the page at all (the approval is
        # someone else's now; nothing waits to be handed over), which the access check answers with 404.
        assert a.status_code in (302, 303, 404) and b.status_code in (302, 303, 404), (n, a.status_code, b.status_code)
        decision.refresh_from_db()
        approval = Approval.objects.get(decision=decision)
        handed = decision.events.filter(kind=Kind.HANDED_OVER).count()
        approved = decision.events.filter(kind=Kind.APPROVED).count()
        assert (handed, approved) in ((1, 0), (0, 1)), (n, handed, approved)
        if approved:
            assert decision.status == Status.APPROVED and approval.approver == people.manager, n
            assert a.status_code in (302, 303), n  # the winner is told it worked
            wins["approved"] += 1
        else:
            assert decision.status == Status.AWAITING_APPROVAL and approval.approver == people.peer, n
            assert b.status_code in (302, 303) and a.status_code in (302, 404), n
            wins["handed_over"] += 1
        assert decision.revision == 1, n
    racers.stop()
    return {"rounds": rounds, "one_winner_each": rounds, **wins}


if __name__ == "__main__":
    setup_test_environment()  # mail to the in-memory outbox, as in tests
    count = int(sys.argv[1])
    # Every race in one process: starting Django (and its imports) costs more than the rounds.
    people = make_people()
    template = ready_to_submit(people.practitioner)  # a complete draft whose answers each round copies
    result = {"approvers": approvers(count, people, template), "submit": double_submit(count, people, template),
              "hand_over": hand_over_or_approve(count, people, template)}
    print(json.dumps({"vendor": connections["default"].vendor, **result}))
