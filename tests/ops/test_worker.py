"""`manage.py db_worker` is django-tasks-db's worker plus a heartbeat row for /healthz/worker."""

from unittest import mock

import pytest
from django.core.management import call_command, get_commands
from django.test import override_settings

from isg.ops.heartbeat import HeartbeatThread
from isg.ops.models import WorkerHeartbeat

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_our_db_worker_replaces_the_plain_one():
    # isg.housekeeping's, which extends isg.ops's (the heartbeat) with the housekeeping schedule.
    assert get_commands()["db_worker"] == "isg.housekeeping"


# transaction=True: the worker closes connections between polls, as it must, which would end a test transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_beats_as_it_starts_and_keeps_beating_in_a_thread():
    with mock.patch.object(HeartbeatThread, "start") as start, mock.patch.object(HeartbeatThread, "stop") as stop:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--worker-id", "worker-test", verbosity=0)
    start.assert_called_once()
    stop.assert_called_once()
    # By its id: on PostgreSQL a browser test's real worker process (another connection) may have beaten
    # into the shared test database too.
    beat = WorkerHeartbeat.objects.get(worker_id="worker-test")
    assert beat.worker_id == "worker-test" and beat.pid


@pytest.mark.django_db
def test_a_database_error_does_not_stop_the_worker(caplog):
    from django.db import OperationalError

    from isg.ops.heartbeat import beat_safely

    with mock.patch("isg.ops.heartbeat.beat", side_effect=OperationalError("down")):
        assert beat_safely("w", None) is False
    assert "worker heartbeat not written: OperationalError" in caplog.text
