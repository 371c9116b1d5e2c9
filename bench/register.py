"""Benchmark: the decision register at 1,000 decisions and at a larger N, on PostgreSQL, as ratios.

Seeds its own database (never the app's): the decisions are made by the real engine, replaying
the worked walks of the case studies (isg.casestudies.content + isg.engine) and stamping each
replay with a varied agency, practitioner, date, status, case reference and rationale words, then
bulk-created. It times the register page (view, queries and template, in process, as an LSCB user)
for four requests and prints p50/p95 at each size and the ratio N / 1,000 (goal <= 2):

- first page: /register/
- filtered page: one agency and a state flag (consent_status = refused)
- deep page: a keyset cursor 90% of the way down the list
- search: a word that a few dozen rationales hold, whatever N is (as a name or a rare term is)

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/isg_register_bench \\
       .venv/bin/python bench/register.py [--large 100000] [--runs 40]
The database named in DATABASE_URL is dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BATCH = 5000
AGENCIES = 12
WORDS = ("school", "nurse", "worried", "bruising", "missed", "appointments", "father", "mother", "police",
         "health", "visitor", "housing", "referral", "strategy", "meeting", "disclosure", "neglect", "attendance")


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("isg_") or name in ("isg", "isg_test", "test"):
        sys.exit(f"refusing to drop {name!r}: use a database of its own, e.g. isg_register_bench")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ.setdefault("ISG_SECRET_KEY", "bench-only-secret")
    os.environ.update({"ISG_DEBUG": "0", "ISG_ALLOWED_HOSTS": "testserver", "ISG_SECURE_SSL_REDIRECT": "0",
                       "ISG_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "isg.settings"})
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # No collectstatic here: plain static URLs, as the tests use (the page's cost is the same).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    call_command("migrate", verbosity=0)


def real_walks():
    """(steps as stored dicts, final state, outcome id, emergency) for every worked walk that completes."""
    from isg.casestudies.services import current_library
    from isg.engine import InvalidStep, is_complete, outcome_of, replay
    from isg.flowchart.services import current_flowchart

    flowchart, walks = current_flowchart(), []
    for case in current_library().cases:
        for walk in case.walks:
            try:
                position = replay(flowchart, walk.engine_steps())
            except (InvalidStep, KeyError):
                continue
            if is_complete(flowchart, position):
                outcome = outcome_of(flowchart, position)
                # The walk's own commentary is each step's rationale: real prose, a real vocabulary
                # (a handful of made-up words would give the search statistics nothing to go on).
                commentary = {(s.node, s.answer): s.commentary for s in walk.steps}
                steps = [dict(s.as_dict(), rationale=commentary.get((s.node, s.answer), "")) for s in position.steps]
                walks.append((steps, dict(position.state), outcome.id,
                              bool(position.state.get("emergency")), outcome.requires_approval))
    return walks


class World:
    def __init__(self) -> None:
        from isg.accounts.models import User
        from isg.agencies.models import Agency
        from isg.flowchart.services import register_current

        self.flowchart = register_current()
        self.agencies = [Agency.objects.create(name=f"Agency {n}", slug=f"agency-{n}") for n in range(AGENCIES)]
        self.owners = [
            User.objects.create(username=f"pract-{a.pk}-{n}", agency=a, role=User.Role.PRACTITIONER)
            for a in self.agencies for n in range(5)
        ]
        self.lscb = User.objects.create(username="lscb", role=User.Role.PARTNERSHIP)
        self.walks = real_walks()
        self.made = 0

    def seed(self, count: int, rng: random.Random) -> None:
        """`count` more decisions, each a replayed real walk with its own facts, by COPY (bulk_create
        costs about 3 ms a row here, which makes a million rows an hour), then their approvals."""
        from django.db import connection

        now = datetime.datetime.now(datetime.UTC)
        statuses = ["recorded", "approved", "approved", "not_approved", "resolved"]
        columns = ("public_id, owner_id, agency_id, case_reference, status, flowchart_id, flowchart_version, path, "
                   "state, current_node, return_to, record, outcome, requires_approval, is_emergency, revision, "
                   "created_at, updated_at, submitted_at")
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM decisions_decision")
            (last_id,) = cursor.fetchone()
            with cursor.cursor.copy(f"COPY decisions_decision ({columns}) FROM STDIN") as copy:
                for i in range(count):
                    n = self.made + i
                    path, state, outcome, emergency, needs_approval = rng.choice(self.walks)
                    owner = rng.choice(self.owners)
                    words = " ".join(rng.sample(WORDS, 4))
                    # One decision in 20,000 (and at least one) holds the rare word the search looks for.
                    rare = " kestrel" if n % 20000 == 7 else ""
                    stored = [dict(step, rationale=f"{step['rationale']} {words}{rare if k == 0 else ''}",
                                   fields=({"summary": f"Concern {n}: {words}"} if k == 0 else {}))
                              for k, step in enumerate(path)]
                    status = "recorded" if not needs_approval else (
                        "awaiting_approval" if rng.random() < 0.2 else rng.choice(statuses))
                    submitted = now - datetime.timedelta(seconds=rng.randrange(5 * 365 * 86400))
                    copy.write_row((
                        uuid.uuid4(), owner.pk, owner.agency_id, f"REF-{n:07d}", status, self.flowchart.sha256,
                        self.flowchart.version, json.dumps(stored), json.dumps(state), self.flowchart.terminal.id,
                        "", "{}", outcome, needs_approval, emergency, len(path), submitted, submitted, submitted,
                    ))
            # Every decision that needed approval has its Approval row; emergencies were due 24 hours on.
            cursor.execute(
                "INSERT INTO approvals_approval (decision_id, purpose, routed_by, requested_at, due_at) "
                "SELECT id, 'approval', 'agency', submitted_at, "
                "CASE WHEN is_emergency THEN submitted_at + interval '24 hours' END "
                "FROM decisions_decision WHERE requires_approval AND id > %s", [last_id],
            )
        self.made += count


def analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE decisions_decision")
        cursor.execute("ANALYZE approvals_approval")


def register_indexes(create: bool) -> None:
    """Dropped during a big load and built once after it, as a bulk import would (the generated
    search column too: computed once for every row when it is added back)."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("isg.register.migrations.0001_register_indexes")
    with connection.schema_editor() as editor:
        (migration.create if create else migration.drop)(None, editor)


def scenarios(world: World) -> dict[str, str]:
    from isg.decisions.models import Decision
    from isg.register import services

    listed = Decision.objects.filter(submitted_at__isnull=False).order_by("-submitted_at", "-pk")
    deep = listed[int(world.made * 0.9)]
    return {
        "first page": "/register/",
        "filtered page": f"/register/?agency={world.agencies[3].slug}&flag=consent_status%3Arefused",
        "deep page": f"/register/?cursor={services.write_cursor(services.AFTER, deep)}",
        "search": "/register/?q=kestrel",
    }


def measure(world: World, runs: int) -> dict[str, tuple[float, float, int]]:
    from django.test import Client

    client = Client()
    client.force_login(world.lscb)
    results = {}
    for name, url in scenarios(world).items():
        for _ in range(5):  # warm the caches and the connection
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        rows = response.content.decode().count('data-decision="')
        times.sort()
        results[name] = (statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], rows)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own (it is dropped and made again).")
    fresh_database(url)
    setup_django()
    rng = random.Random(2026)
    world = World()
    print(f"{len(world.walks)} real walks from the case studies; seeding {args.small:,} decisions")
    world.seed(args.small, rng)
    analyse()
    small = measure(world, args.runs)
    started = time.perf_counter()
    register_indexes(create=False)
    world.seed(args.large - args.small, rng)
    register_indexes(create=True)
    analyse()
    print(f"seeded {args.large:,} decisions in {time.perf_counter() - started:.0f} s")
    large = measure(world, args.runs)
    print(f"\n{'request':15} {'p50 @1k':>9} {'p95 @1k':>9} {'p50 @N':>9} {'p95 @N':>9} {'p95 ratio':>10} rows")
    for name in small:
        (p50s, p95s, rows_s), (p50l, p95l, rows_l) = small[name], large[name]
        print(f"{name:15} {p50s:8.1f}ms {p95s:8.1f}ms {p50l:8.1f}ms {p95l:8.1f}ms {p95l / p95s:9.2f}x {rows_s}/{rows_l}")
    print(f"\nN = {args.large:,}; goal: p95 ratio <= 2")


if __name__ == "__main__":
    main()
