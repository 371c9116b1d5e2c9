"""Races, with truly concurrent requests: threads, each with its own database connection, released together.

Two approvers (or one approver's two tabs) acting on one decision at once: exactly one wins, the
other is told someone acted first. An approval and a hand-over of the same item at once: one lands. A double-clicked submit makes one result. 100 rounds each, on
whichever database the run uses (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL).

The rounds run in a worker process (tests/approvals/race_worker.py) on this test's database: on
PostgreSQL the test database itself, on SQLite a file copy of it (the in-memory test database
cannot take concurrent writers).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("ISG_RACE_ROUNDS", "100"))
pytestmark = pytest.mark.django_db(transaction=True)


def database_url(tmp_path: Path) -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "races.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        connection.connection.backup(target)  # the migrated, empty schema, triggers included
        target.close()
        return f"sqlite:///{copy}"
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{settings_dict['HOST']}{port}/{quote(settings_dict['NAME'])}"


def test_two_approvers_or_two_tabs_make_exactly_one_winner_and_a_double_submit_one_result(tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(tmp_path), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.approvals.race_worker", str(ROUNDS)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == connection.vendor
    approvers, submit = result["approvers"], result["submit"]
    assert approvers["rounds"] == approvers["one_winner_each"] == ROUNDS
    assert approvers["first"] + approvers["second"] == ROUNDS
    assert submit["rounds"] == submit["one_result_each"] == submit["emails"] == ROUNDS
    # A hand-over racing an approval (issue 14): exactly one of them lands, every round.
    hand_over = result["hand_over"]
    assert hand_over["rounds"] == hand_over["one_winner_each"] == ROUNDS
    assert hand_over["approved"] + hand_over["handed_over"] == ROUNDS
