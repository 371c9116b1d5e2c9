"""What the benchmarks share: their own databases, smoke-mode checks, and a quiet Django set-up.

Every script in bench/ has a `--smoke` mode (`make bench-smoke`, run by .ci/run): tiny sizes, a few
seconds, the same code paths, and a non-zero exit if anything on the way breaks, so a benchmark
cannot rot unnoticed between the runs that measure.

Databases: SQLite in a temporary folder where the benchmark is not about PostgreSQL. Where it is (or
when DATABASE_URL names a PostgreSQL server and the smoke run should cover it), each benchmark uses a
database of its own on that server, named for it (`isg_<bench>_bench`, `isg_<bench>_smoke`), dropped
and made again: never the app's database and never the test suite's.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


class SmokeFailed(SystemExit):
    """A smoke run found the benchmark broken: exit 1 with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"SMOKE FAILED: {reason}")


def check(condition: object, reason: str) -> None:
    if not condition:
        raise SmokeFailed(reason)


def postgres_url() -> str | None:
    """DATABASE_URL when it names a PostgreSQL server, else None."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(POSTGRES_SCHEMES) else None


def database_named(url: str, name: str) -> str:
    """The same server as `url`, database `name`."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def fresh_postgres(url: str) -> str:
    """Drop and create the database `url` names (it must be a benchmark's own); returns `url`."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not (name.startswith("isg_") and name.endswith(("_bench", "_smoke", "_bench_small", "_smoke_small"))):
        sys.exit(f"refusing to drop {name!r}: a benchmark's database is named isg_<something>_bench or _smoke")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def skip(reason: str) -> None:
    """A smoke run that does not apply here (say, PostgreSQL-only without PostgreSQL): say so, exit 0."""
    print(f"skipped: {reason}")
    sys.exit(0)
