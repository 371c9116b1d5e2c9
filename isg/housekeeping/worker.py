"""The task worker keeps the schedule: a thread in `manage.py db_worker` calls `run_due` each minute.

Why a thread in the worker (and not cron, a self-re-enqueuing task, or a separate loop):
- no cron or timer on the host: wherever the worker runs (`make run`, `make serve`, its own service
  in production), the schedule runs, and stops with it;
- a self-re-enqueuing task is fragile: one lost or failed task ends the chain, and two enqueued
  copies double it; a plain loop that asks "what is due now?" has no chain to break;
- several workers are safe: each slot is claimed by a unique row (services.claim), so it runs once;
- django-tasks-db's loop has no hook (the heartbeat is a thread for the same reason); a job runs in
  this thread, so a long task does not hold it up, nor it the tasks.
`manage.py housekeeping run-due` does the same once, for a deployment that runs no worker.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger("isg.housekeeping")


def run_due_safely() -> int:
    from .services import run_due

    try:
        return len(run_due())
    except DatabaseError as exc:  # the database down: try again next time round
        logger.warning("housekeeping not run: %s", type(exc).__name__)
        return 0
    finally:
        connections.close_all()  # this thread's connections only


class HousekeepingThread(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="isg-housekeeping", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        main = threading.main_thread()
        interval = settings.ISG_HOUSEKEEPING_SECONDS
        while main.is_alive() and not self.stopping.is_set():
            run_due_safely()
            if self.stopping.wait(interval):
                break

    def stop(self) -> None:
        self.stopping.set()


def start() -> HousekeepingThread | None:
    if settings.ISG_HOUSEKEEPING_SECONDS <= 0:
        return None
    thread = HousekeepingThread()
    thread.start()
    return thread
