"""/healthz, /readyz and /healthz/worker: public, JSON, no personal data; 503 naming the failed check.
A stopped worker never makes /readyz fail (that would take every app server out at once): it is
reported in the body and by /healthz/worker."""

import os
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone

from isg.access.rules import rule_for
from isg.ops.heartbeat import beat
from isg.ops.models import WorkerHeartbeat

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_all_have_public_rows():
    assert rule_for("healthz").public and rule_for("readyz").public and rule_for("healthz-worker").public


def test_healthz_is_alive_without_the_database(client):
    # No django_db mark: pytest-django fails any database access in this test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_not_redirected(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/worker").status_code in (200, 503)  # answered, not redirected
    assert client.get("/accounts/login/").status_code == 301  # everything else still goes to HTTPS


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_readyz_is_ready_when_everything_answers(client):
    beat("worker-a", timezone.now())
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok"},
        "worker": "ok",
    }


@pytest.mark.django_db
def test_without_a_database_queue_there_is_no_worker_to_wait_for(client):
    response = client.get("/readyz")  # tests run tasks in the request (immediate backend)
    assert response.status_code == 200
    assert response.json()["worker"] == "not used"
    assert client.get("/healthz/worker").json() == {"status": "ok", "worker": "not used"}


@pytest.mark.django_db
def test_readyz_needs_no_sign_in_and_says_nothing_of_versions(client):
    response = client.get("/readyz")
    body = response.content.decode().lower()
    assert "django" not in body and "postgres" not in body and "sqlite" not in body and "6.1" not in body


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_an_unapplied_migration_is_not_ready(client):
    beat("worker-a", timezone.now())
    MigrationRecorder.Migration.objects.filter(app="ops", name="0001_initial").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["failed"] == ["migrations"]
    assert body["checks"]["migrations"] == "failed: 1 migration(s) not applied"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_an_unreachable_database_is_not_ready(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("connection refused to db.internal")):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "failed: unreachable"
    assert set(body["failed"]) == {"database", "migrations"}
    assert body["worker"] == "not checked: database unreachable"
    assert "db.internal" not in response.content.decode()  # the exception's text stays out


@pytest.mark.django_db
def test_an_unreachable_cache_is_not_ready(client):
    with mock.patch("django.core.cache.backends.locmem.LocMemCache.set", side_effect=ConnectionError("redis down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert response.json()["checks"]["cache"] == "failed: unreachable"


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS, ISG_WORKER_HEARTBEAT_MAX_AGE=60)
def test_a_stopped_worker_is_reported_but_the_app_server_stays_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200  # the servers can still serve: mail and exports wait in the queue
    assert response.json()["worker"] == "failed: no worker has started"
    worker = client.get("/healthz/worker")
    assert worker.status_code == 503
    assert worker.json() == {"status": "stale", "worker": "failed: no worker has started"}
    beat("worker-a", timezone.now() - timedelta(minutes=5), now=timezone.now() - timedelta(seconds=61))
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["worker"] == "failed: worker heartbeat is stale"
    assert client.get("/healthz/worker").status_code == 503
    beat("worker-b", timezone.now())
    assert client.get("/healthz/worker").json() == {"status": "ok", "worker": "ok"}
    assert client.get("/readyz").json()["worker"] == "ok"


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_probe_without_a_database_says_so_without_details(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("db.internal down")):
        response = client.get("/healthz/worker")
    assert response.status_code == 503
    assert response.json() == {"status": "stale", "worker": "failed: error"}
    assert "db.internal" not in response.content.decode()


def test_the_worker_probe_answers_head_and_refuses_post(client):
    assert client.post("/healthz/worker").status_code == 405


@pytest.mark.django_db
def test_heartbeats_of_long_gone_workers_are_forgotten():
    now = timezone.now()
    beat("gone", now - timedelta(days=3), now=now - timedelta(days=2))
    beat("here", now)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["here"]


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


LOCAL_REDIS = os.environ.get("ISG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db
def test_readyz_with_a_real_redis_cache(client):
    # .ci/run starts the local Redis; without one this fails, as it should, rather than skipping.
    assert redis_answers(LOCAL_REDIS), f"no Redis answers at {LOCAL_REDIS}: start redis-server (see .ci/run)"
    from isg.ops.configuration import cache_config

    with override_settings(CACHES=cache_config(LOCAL_REDIS)):  # Django rebuilds its cache handler on this
        response = client.get("/readyz")
    assert response.json()["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_readyz_with_a_redis_nobody_runs_fails_fast(client):
    import time

    from isg.ops.configuration import cache_config

    started = time.monotonic()
    with override_settings(CACHES=cache_config("redis://127.0.0.1:1/0")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "failed: unreachable"
    assert time.monotonic() - started < 10
