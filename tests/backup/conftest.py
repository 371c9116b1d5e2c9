"""The restore test needs PostgreSQL (pg_dump, pg_restore): it is collected only when DATABASE_URL is one.

On SQLite its items are deselected here, at collection, and reported by pytest as deselected: they
never run and never count as skipped or passed. CI's PostgreSQL run selects them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql_only: runs only when DATABASE_URL is PostgreSQL (tests/backup)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if on_postgresql():
        return
    dropped = [item for item in items if item.get_closest_marker("postgresql_only") and HERE in item.path.parents]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
