"""Two app servers and the task worker, started for real on PostgreSQL and Redis (issue 8, "Scale out").

Like tests/backup, these tests need PostgreSQL (and Redis, which CI starts): on SQLite their items
are deselected at collection (tests/conftest.py), reported as deselected, never skipped. The servers are started
once per module on the pytest-django test database; each test uses `transactional_db`, so what
the test process writes (users) is committed and seen by the servers, and what the servers write
is read back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import Process, collect_static, database_url, environment, start_app, start_worker, stop_all, wait_ready

HERE = Path(__file__).parent
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "scale-out-password-not-secret"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if HERE in item.path.parents:
        setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class Cluster:
    a: Process
    b: Process
    worker: Process
    mail_dir: Path

    @property
    def urls(self) -> list[str]:
        return [self.a.url, self.b.url]

    def processes(self) -> list[Process]:
        return [self.a, self.b, self.worker]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (port {p.port or '-'}, {'running' if p.alive() else 'stopped'})\n{p.tail()}"
                         for p in self.processes())


def flush_redis() -> None:
    """Empty Redis db 13 (this folder's). With parallel pytest workers the other module's servers may be
    running: they lose only cached copies, as sessions are also in the database (`cached_db`)."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory):
    """Servers A and B (gunicorn, 2 workers each) and the task worker, on the test database and Redis db 13."""
    from django.db import connection

    with django_db_blocker.unblock():
        database = database_url(connection.settings_dict)
    workdir = tmp_path_factory.mktemp("scaleout")
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    env = environment(database, REDIS_URL, ISG_TEST_MAIL_DIR=str(mail_dir))
    flush_redis()
    # WhiteNoise serves hashed names from the manifest, as `make serve` prepares it.
    collect_static(env)
    processes: list[Process] = []
    try:
        processes.append(start_worker(env, workdir, settings_module="tests.scaleout.worker_settings"))
        processes.append(start_app("a", env, workdir))
        processes.append(start_app("b", env, workdir))
        worker, a, b = processes
        wait_ready([a, b], processes)
        yield Cluster(a, b, worker, mail_dir)
    finally:
        stop_all(processes)
        flush_redis()


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request):
    """A failing test prints what the servers and the worker said."""
    yield
    if "cluster" not in request.fixturenames:
        return
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))
    if failed:
        print(request.getfixturevalue("cluster").logs())


def seed_user(username: str, **kwargs):
    """A user who can sign in on the servers (production's hashers, not the tests' MD5), cheaply hashed."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import make_user

    user = make_user(username=username, **kwargs)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user
