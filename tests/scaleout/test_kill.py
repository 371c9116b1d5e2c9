"""Kill one app server in the middle of a run: no acknowledged answer is lost, every walk ends on the other.

Twenty practitioners walk at once, half on server A and half on server B, each behind the
client-side load balancer of practitioner.Browser (it sticks to one server and, when that server
cannot be reached, moves to the other with the same cookies). Once the run is under way, server A's
gunicorn master and workers get SIGKILL: no graceful shutdown, requests cut off mid-flight.
"""

from __future__ import annotations

import threading
import time

import pytest

from isg.decisions.models import Decision
from tests.engine.walks import WALKS

from .conftest import PASSWORD, seed_user
from .practitioner import Browser, Walker
from .servers import readiness

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]
A, B = 0, 1
PRACTITIONERS = 20
PAIRS = WALKS["outcome_share_with_consent"]  # the first page and fifteen questions, then the record


def test_killing_one_server_mid_run_loses_no_acknowledged_answer_and_every_walk_ends_on_the_other(cluster):
    for i in range(PRACTITIONERS):
        seed_user(f"walker{i}")
    walkers = [Walker(Browser(cluster.urls, preferred=i % 2), PAIRS, case_reference=f"KILL-{i}")
               for i in range(PRACTITIONERS)]
    outcomes: dict[int, str] = {}
    failures: dict[int, BaseException] = {}
    finished_at: dict[int, float] = {}

    def practitioner(i: int) -> None:
        try:
            walkers[i].sign_in(f"walker{i}", PASSWORD)
            outcomes[i] = walkers[i].walk()
            finished_at[i] = time.monotonic()
        except BaseException as exc:  # reported below, with the servers' logs
            failures[i] = exc

    threads = [threading.Thread(target=practitioner, args=(i,)) for i in range(PRACTITIONERS)]
    for thread in threads:
        thread.start()
    # Mid-run: once the walkers have given on average two answers each (of sixteen).
    until = time.monotonic() + 60
    while sum(len(w.acknowledged) for w in walkers) < 2 * PRACTITIONERS and time.monotonic() < until:
        time.sleep(0.05)
    acknowledged_before_kill = sum(len(w.acknowledged) for w in walkers)
    killed_at = time.monotonic()
    cluster.a.kill()
    for thread in threads:
        thread.join(timeout=120)

    assert not cluster.a.alive()
    assert 2 * PRACTITIONERS <= acknowledged_before_kill < PRACTITIONERS * len(PAIRS) / 2, "the kill was not mid-run"
    assert not failures, failures
    assert sorted(outcomes) == list(range(PRACTITIONERS)), "a walk did not finish"

    # Every walk still going at the kill ended on B; those that began on A moved there, mid-walk.
    # (On a busy machine one walker can race through all its answers before the others give two.)
    moved_mid_walk = 0
    for i, walker in enumerate(walkers):
        if finished_at[i] < killed_at:
            continue
        assert walker.transport.served_by[-1] == B, i
        if i % 2 == A:
            # A, A, ..., then B to the end: one move (a reply A wrote before it died may be read just
            # after the kill, so the move is found in the sequence, not by the clock).
            served = walker.transport.served_by
            moved = served.index(B)
            assert set(served[:moved]) <= {A} and set(served[moved:]) == {B}, (i, served)
            moved_mid_walk += moved > 0
    assert moved_mid_walk >= PRACTITIONERS // 4, "too few walks were under way on A when it was killed"

    # Every answer a server acknowledged is in the database, where the client was told it was.
    acknowledged = [ack for walker in walkers for ack in walker.acknowledged]
    # (An answer cut off by the kill may be saved unacknowledged: the client then finds it done.)
    assert len(acknowledged) >= PRACTITIONERS * len(PAIRS) - PRACTITIONERS // 2
    decisions = {str(d.public_id): d for d in Decision.objects.filter(case_reference__startswith="KILL-")}
    assert len(decisions) == PRACTITIONERS  # a start repeated after the kill made no second draft
    lost = [ack for ack in acknowledged
            if len(decisions[ack.public_id].path) <= ack.index
            or (decisions[ack.public_id].path[ack.index]["node"], decisions[ack.public_id].path[ack.index]["answer"])
            != (ack.node, ack.answer)]
    assert lost == []
    for decision in decisions.values():
        assert decision.status == Decision.Status.RECORDED
        assert [f"{s['node']}:{s['answer']}" for s in decision.path] == list(PAIRS)

    status, body = readiness(cluster.b.url)
    assert status == 200, body
