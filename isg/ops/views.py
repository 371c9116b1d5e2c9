"""/healthz (the process answers), /readyz (it can serve: database, cache, migrations) and
/healthz/worker (a task worker's heartbeat is fresh).

The worker is reported apart from readiness on purpose: every app server shares the one worker
pool, so failing /readyz when the worker stops would take every server out of the load balancer at
once, though they can still serve (mail and exports wait in the queue). /readyz's body says how the
worker is ("worker": "ok" or "failed: ..."), without changing its status; alert on /healthz/worker.

Public, no sign-in, JSON. The bodies name the checks and a fixed reason, never an exception's
text, a version, a host name or anything from a record.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import heartbeat

logger = logging.getLogger("isg.ops.readyz")


class NotReady(Exception):
    """A check failed; the message is the fixed reason shown in the body."""


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: answers without touching the database, so a database outage does not restart the app."""
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise NotReady("cache did not return what was written")
    return "ok"


def check_migrations() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise NotReady(f"{len(plan)} migration(s) not applied")
    return "ok"


def check_worker() -> str:
    if not heartbeat.worker_uses_database_queue():
        return "not used"  # tasks run in the request (immediate backend): no worker to wait for
    newest = heartbeat.newest_beat()
    if newest is None:
        raise NotReady("no worker has started")
    if timezone.now() - newest > timedelta(seconds=settings.ISG_WORKER_HEARTBEAT_MAX_AGE):
        raise NotReady("worker heartbeat is stale")
    return "ok"


# Order matters: without a database the migrations cannot be read.
CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "migrations": check_migrations,
}
NEEDS_DATABASE = ("migrations",)


def worker_state() -> tuple[bool, str]:
    """(fresh, what to say): a fixed reason, never an exception's text."""
    try:
        return True, check_worker()
    except NotReady as exc:
        return False, f"failed: {exc}"
    except Exception as exc:  # noqa: BLE001 - the database down, say: report it, never raise
        logger.warning("worker heartbeat not read: %s", type(exc).__name__)
        return False, "failed: error"


@login_not_required
@never_cache
@require_safe
def worker_health(request: HttpRequest) -> JsonResponse:
    """A task worker beat recently: 200, else 503. For alerting, not for the load balancer."""
    fresh, said = worker_state()
    return JsonResponse({"status": "ok" if fresh else "stale", "worker": said}, status=200 if fresh else 503)


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: 200 with every check "ok", else 503 naming the failed checks."""
    results: dict[str, str] = {}
    failed: list[str] = []
    for name, check in CHECKS.items():
        if name in NEEDS_DATABASE and "database" in failed:
            results[name] = "not checked: database unreachable"
            failed.append(name)
            continue
        try:
            results[name] = check()
        except NotReady as exc:
            results[name] = f"failed: {exc}"
            failed.append(name)
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency means "not ready"
            results[name] = "failed: unreachable" if name in ("database", "cache") else "failed: error"
            failed.append(name)
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
    body: dict = {"status": "ok" if not failed else "not ready", "checks": results}
    if failed:
        body["failed"] = failed
    # Reported, not counted (see the module's docstring): a stopped worker is an alert, not an outage.
    body["worker"] = "not checked: database unreachable" if "database" in failed else worker_state()[1]
    return JsonResponse(body, status=200 if not failed else 503)
