"""The README's command lines, run as an operator would: from a shell, with only what the README sets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANAGE = ROOT / "manage.py"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process, from another folder, without the test settings or a secret."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ISG_", "DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], cwd="/", env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_flowchart_validate_needs_no_secret_and_no_database():
    # A database that does not exist: the flowchart commands must never try to reach it.
    result = manage("flowchart", "validate", DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
    assert "sha256:" in result.stdout


def test_flowchart_replay_runs_with_an_unusable_database_url():
    result = manage("flowchart", "replay", DATABASE_URL="mysql://nobody@127.0.0.1/nowhere")
    assert result.returncode == 0, result.stderr
    assert "0 mismatches" in result.stdout


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "Set ISG_SECRET_KEY"),
        ({"ISG_SECRET_KEY": "x" * 50, "DATABASE_URL": "mysql://nobody@127.0.0.1/nowhere"}, "DATABASE_URL scheme"),
    ],
)
def test_a_command_that_needs_configuration_says_so_in_one_line(env, reason):
    result = manage("migrate", "--check", **env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("manage.py migrate: ") and reason in lines[0]
