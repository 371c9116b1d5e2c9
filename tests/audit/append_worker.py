"""One writer for test_concurrency, run in its own process (no `test_` prefix: pytest does not collect it).

    python -m tests.audit.append_worker GO_FILE WORKER COUNT      (DATABASE_URL names the database)

Connects, prints "ready", waits until GO_FILE exists so every writer starts at once, then appends
COUNT events, each in its own transaction that goes on working a moment after the append, with
the chain lock held, as a real caller does.
"""

import os
import random
import sys
import time
from pathlib import Path


def main() -> None:
    go, worker, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from isg.audit.services import append

    connection.ensure_connection()
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    for i in range(count):
        with transaction.atomic():
            append(actor=None, action="viewed", subject_type="decision", subject_id=f"worker-{worker}", payload={"i": i})
            time.sleep(random.random() / 500)
    print("done", flush=True)


if __name__ == "__main__":
    main()
