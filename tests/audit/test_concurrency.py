"""Writers appending at the same moment, from separate processes, still make one unbroken chain.

The writers are real processes with their own connections, started together, on the test's own
database: on PostgreSQL the test database itself; on SQLite a file copy of it (the in-memory test
database cannot be shared between processes), opened with the app's own settings.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WRITERS, EACH = 6, 25


def database_url_for_writers(tmp_path: Path) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "audit.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)  # the migrated schema, triggers included
        target.close()
        return f"sqlite:///{copy}"
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{settings_dict['HOST']}{port}/{quote(settings_dict['NAME'])}"


def run_in_subprocess(args: list[str], database_url: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    )


@pytest.mark.django_db(transaction=True)
def test_writers_appending_at_once_make_one_unbroken_chain(tmp_path):
    database_url = database_url_for_writers(tmp_path)
    go = tmp_path / "go"
    writers = [
        run_in_subprocess(["-m", "tests.audit.append_worker", str(go), str(n), str(EACH)], database_url)
        for n in range(WRITERS)
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        go.touch()
        results = [writer.communicate(timeout=120) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert [writer.returncode for writer in writers] == [0] * WRITERS, [err for _, err in results]

    verify = run_in_subprocess(["manage.py", "audit", "verify"], database_url)
    out, err = verify.communicate(timeout=60)
    assert verify.returncode == 0, err
    assert out.startswith(f"ok {WRITERS * EACH} events, head "), out
