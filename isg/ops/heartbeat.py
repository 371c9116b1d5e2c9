"""The task worker's heartbeat: written by `manage.py db_worker` (isg/ops/management/commands), read by /healthz/worker
(and reported, not counted, by /readyz)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger("isg.ops.heartbeat")
# Rows of workers gone this long are removed, so the table stays one row per live worker.
FORGET_AFTER = timedelta(days=1)


def beat(worker_id: str, started_at: datetime, now: datetime | None = None) -> None:
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at, "beat_at": now},
    )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def beat_safely(worker_id: str, started_at: datetime) -> bool:
    """Beat, or log why not: the database being down must not stop the worker (/healthz/worker says so)."""
    try:
        beat(worker_id, started_at)
    except DatabaseError as exc:
        logger.warning("worker heartbeat not written: %s", type(exc).__name__)
        return False
    return True


def newest_beat() -> datetime | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def worker_uses_database_queue() -> bool:
    """Only django-tasks-db has a worker to watch; the immediate backend (tests) runs tasks in the request."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.startswith("django_tasks_db.")


class HeartbeatThread(threading.Thread):
    """Beats every ISG_WORKER_HEARTBEAT_SECONDS while the worker's main thread lives.

    A thread, not a step in the worker's loop, because django-tasks-db's loop has no hook; a long
    task (a large export) therefore still counts as alive, which it is.
    """

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="isg-worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        main = threading.main_thread()
        while not self.stopping.wait(settings.ISG_WORKER_HEARTBEAT_SECONDS) and main.is_alive():
            beat_safely(self.worker_id, self.started_at)
            connections.close_all()  # this thread's connections only

    def stop(self) -> None:
        self.stopping.set()
