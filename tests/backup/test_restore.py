"""A backup made by ops/backup/backup.sh restores with restore.sh into a fresh database that verifies.

PostgreSQL only (tests/backup/conftest.py deselects these on SQLite). Uses its own databases,
isg_backup_src and isg_backup_dst, on the server DATABASE_URL names, dropped before and after;
the app runs in subprocesses against each (tests/backup/restore_worker.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[2]
BACKUP, RESTORE = ROOT / "ops" / "backup" / "backup.sh", ROOT / "ops" / "backup" / "restore.sh"
SOURCE, TARGET = "isg_backup_src", "isg_backup_dst"
# The one row of a PDF record that names who made this copy and when (it differs by design), with
# the lines it wraps onto in pdftotext's layout (indented under its value column).
EXPORT_LINE = re.compile(r"^ *This copy +Exported by .*\n(?: {20,}\S.*\n)*", re.MULTILINE)


def pg_env(**extra: str) -> dict[str, str]:
    """The server from DATABASE_URL as libpq variables (what the scripts read)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432),
           "PGUSER": unquote(parts.username or "postgres")}
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return {**env, **extra}


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path=f"/{name}").geturl()


def run(args: list[str], *, env: dict[str, str] | None = None, check: bool = True, timeout: int = 300):
    done = subprocess.run(args, cwd=ROOT, env=env or pg_env(), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    return done


def app(database: str, *args: str, check: bool = True):
    """The app's settings (not the test runner's) against one of this test's databases."""
    env = pg_env(DATABASE_URL=database_url(database), DJANGO_SETTINGS_MODULE="isg.settings", ISG_DEBUG="1")
    return run([sys.executable, *args], env=env, check=check)


def drop_databases() -> None:
    for name in (SOURCE, TARGET):
        run(["dropdb", "--if-exists", "--force", name])


@pytest.fixture
def databases():
    drop_databases()
    run(["createdb", SOURCE])
    yield
    drop_databases()


def pdf_text(path: Path) -> str:
    return run(["pdftotext", "-layout", str(path), "-"]).stdout


def test_a_backup_restores_into_a_fresh_database_that_verifies_and_renders_the_same(databases, tmp_path):
    app(SOURCE, "manage.py", "migrate", "-v0")
    seeded = json.loads(app(SOURCE, "-m", "tests.backup.restore_worker", "seed").stdout.strip().splitlines()[-1])

    made = run(["bash", str(BACKUP), str(tmp_path / "backups")], env=pg_env(PGDATABASE=SOURCE))
    dump = Path(made.stdout.strip().splitlines()[-1])
    assert re.fullmatch(rf"isg-{SOURCE}-\d{{8}}T\d{{6}}Z\.dump", dump.name), dump.name
    assert dump.is_file() and Path(f"{dump}.sha256").is_file()
    assert not list(dump.parent.glob("*.partial"))

    run(["bash", str(RESTORE), str(dump), TARGET])
    # A restore never writes over a database that exists.
    again = run(["bash", str(RESTORE), str(dump), TARGET], check=False)
    assert again.returncode != 0 and "must not exist" in again.stderr

    assert app(TARGET, "manage.py", "migrate", "--check", check=False).returncode == 0
    verified = app(TARGET, "manage.py", "audit", "verify", check=False)
    assert verified.returncode == 0, verified.stderr
    assert re.search(r"^ok \d+ events", verified.stdout, re.MULTILINE)
    assert re.search(r"^ok \d+ decision events", verified.stdout, re.MULTILINE)

    counts = [json.loads(app(db, "-m", "tests.backup.restore_worker", "counts").stdout) for db in (SOURCE, TARGET)]
    assert counts[0] == counts[1]
    assert counts[0]["decisions.Amendment"] == 2 and counts[0]["approvals.Approval"] > 0

    pdfs = {}
    for db in (SOURCE, TARGET):
        out = tmp_path / f"{db}.pdf"
        app(db, "-m", "tests.backup.restore_worker", "render", seeded["sample"], str(out))
        pdfs[db] = pdf_text(out)
    source, target = (EXPORT_LINE.sub("", pdfs[db]) for db in (SOURCE, TARGET))
    assert "The visit was on 2 March" in source  # the sample carries an amendment
    assert len(EXPORT_LINE.findall(pdfs[SOURCE])) == 1
    assert source == target


def test_a_failed_backup_exits_non_zero_and_leaves_no_file(tmp_path):
    failed = run(["bash", str(BACKUP), str(tmp_path)], env=pg_env(PGDATABASE="isg_backup_missing"), check=False)
    assert failed.returncode != 0 and "failed" in failed.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_dump_that_does_not_match_its_checksum_is_not_restored(tmp_path):
    dump = tmp_path / "isg-x-20260101T000000Z.dump"
    dump.write_bytes(b"not a dump")
    (tmp_path / f"{dump.name}.sha256").write_text(f"{'0' * 64}  {dump.name}\n")
    refused = run(["bash", str(RESTORE), str(dump), "isg_backup_never"], check=False)
    assert refused.returncode != 0 and "does not match" in refused.stderr
    assert "isg_backup_never" not in run(["psql", "-Atc", "SELECT datname FROM pg_database", "postgres"]).stdout
