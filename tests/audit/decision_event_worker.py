"""One writer of decision events for test_decision_chain, in its own process (not collected by pytest).

    python -m tests.audit.decision_event_worker GO_FILE DECISION_PUBLIC_ID COUNT   (DATABASE_URL names the database)

Connects, prints "ready", waits until GO_FILE exists so every writer starts at once, then writes
COUNT rounds to its own decision through isg.decisions.history: one event, then two at once,
each round in its own transaction that goes on working a moment afterwards, with the chain lock
held, as a real request does.
"""

import os
import random
import sys
import time
from pathlib import Path


def main() -> None:
    go, public_id, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from isg.decisions import history
    from isg.decisions.models import Decision, DecisionEvent

    decision = Decision.objects.select_related("owner").get(public_id=public_id)
    connection.ensure_connection()
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    for i in range(count):
        with transaction.atomic():
            history.record(decision, decision.owner, DecisionEvent.Kind.VIEWED, page="worker", round=i)
            time.sleep(random.random() / 500)
        with transaction.atomic():
            history.record_many([
                history.build(decision, decision.owner, DecisionEvent.Kind.EXPORTED, format="pdf", round=i),
                history.build(decision, decision.owner, DecisionEvent.Kind.VIEWED, page="worker", round=i),
            ])
            time.sleep(random.random() / 500)
    print("done", flush=True)


if __name__ == "__main__":
    main()
