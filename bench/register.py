"""Benchmark: the decision register at 1,000 decisions and at a larger N, on PostgreSQL, as ratios.

Seeds its own database (never the app's): the decisions are made by the real engine, replaying
the worked walks of the case studies (isg.casestudies.content + isg.engine) and stamping each
replay with a varied agency, practitioner, date, status, case reference and rationale words, then
bulk-created. It times the register page (view, queries and template, in process, as an LSCB user)
for four requests and prints p50/p95 at each size and the ratio N / 1,000 (goal <= 2):

- first page: /register/
- filtered page: one agency and a state flag (consent_status = refused)
- deep page: a keyset cursor 90% of the way down the list
- search: a word that a few dozen rationales hold, whatever N is (as a name or a rare term is):
  the filter form's POST (the words never go in a URL, DP-7) and the GET of the register address
  it redirects to (`search=<token>`), timed together as the person waits for both

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/isg_register_bench \\
       .venv/bin/python bench/register.py [--large 100000] [--runs 40] [--reuse]
The database named in DATABASE_URL holds the large set and `<name>_small` the 1,000; both are
dropped and created again (the large one is kept with --reuse when it already holds --large
decisions). The two are measured in turn, round after round, in one process.

--smoke: 20 and 60 decisions, a few requests each, in `isg_register_smoke` (and `_small`) on the
server DATABASE_URL names, whatever database it names; skipped (exit 0) without PostgreSQL, as the
register's queries are PostgreSQL's; exits 1 if a request fails or lists nothing.
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
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402

BATCH = 5000
# Decisions holding the rare word the search looks for, at any N: a name or a rare term is in a few
# dozen decisions however large the register grows, and the page lists the same 25 of them at both
# sizes (with one match at 1,000 the search would compare a page of one row with a page of 25).
RARE_MATCHES = 50
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
    def __init__(self, walks: list) -> None:
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
        from isg.directory.models import Organisation

        self.organisations = [Organisation.objects.create(name=f"Organisation {n}", kind="police") for n in range(5)]
        self.walks = walks
        self.made = 0

    @classmethod
    def existing(cls, walks: list) -> World:
        """The world a previous run seeded (--reuse)."""
        from isg.accounts.models import User
        from isg.agencies.models import Agency
        from isg.decisions.models import Decision
        from isg.flowchart.services import register_current

        world = cls.__new__(cls)
        world.flowchart = register_current()
        world.agencies = list(Agency.objects.filter(slug__startswith="agency-").order_by("pk"))
        world.owners = list(User.objects.filter(role=User.Role.PRACTITIONER, agency__in=world.agencies))
        world.lscb = User.objects.get(username="lscb")
        from isg.directory.models import Organisation

        world.organisations = list(Organisation.objects.filter(name__startswith="Organisation ").order_by("pk"))
        world.walks = walks
        world.made = Decision.objects.count()
        return world

    def seed(self, count: int, rng: random.Random) -> None:
        """`count` more decisions, each a replayed real walk with its own facts, by COPY (bulk_create
        costs about 3 ms a row here, which makes a million rows an hour), then their approvals.
        One in `count / RARE_MATCHES` holds the rare word (at a million, one in 20,000 as before)."""
        from django.db import connection

        now = datetime.datetime.now(datetime.UTC)
        statuses = ["recorded", "approved", "approved", "not_approved", "resolved"]
        columns = ("public_id, owner_id, agency_id, case_reference, status, flowchart_id, flowchart_version, path, "
                   "state, current_node, return_to, record, outcome, requires_approval, is_emergency, revision, "
                   "created_at, updated_at, submitted_at, approval_mode")
        rare_every = max(1, count // RARE_MATCHES)
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM decisions_decision")
            (last_id,) = cursor.fetchone()
            with cursor.cursor.copy(f"COPY decisions_decision ({columns}) FROM STDIN") as copy:
                for i in range(count):
                    n = self.made + i
                    path, state, outcome, emergency, needs_approval = rng.choice(self.walks)
                    owner = rng.choice(self.owners)
                    words = " ".join(rng.sample(WORDS, 4))
                    rare = " kestrel" if n % rare_every == 7 % rare_every else ""
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
                        "before_sharing" if needs_approval else "none",
                    ))
            # Every decision that needed approval has its Approval row, due 8 hours on (24 for an
            # emergency). Those an approver answered were decided from 10 minutes to 4 days after the
            # request (a fifth of them after the due time), from the row's id, so the mix is the same at any N.
            cursor.execute(
                "INSERT INTO approvals_approval (decision_id, purpose, routed_by, level, mode, requested_at, due_at, "
                "decided_at) SELECT id, 'approval', 'agency', 0, 'before_sharing', submitted_at, "
                "submitted_at + CASE WHEN is_emergency THEN interval '24 hours' ELSE interval '8 hours' END, "
                "CASE WHEN status IN ('approved', 'not_approved', 'resolved') THEN submitted_at + "
                "CASE WHEN id %% 5 = 0 THEN interval '9 hours' + (id %% 87) * interval '1 hour' "
                "ELSE interval '10 minutes' + (id %% 47) * interval '10 minutes' END END "
                "FROM decisions_decision WHERE requires_approval AND id > %s", [last_id],
            )
            # One decision in 50 has a follow-up (a review, telling the person); a third of those
            # are open and past their due time.
            cursor.execute(
                "INSERT INTO followups_followup (decision_id, kind, description, owner_id, due_at, created_at, "
                "created_by_id, completed_at, completion_note, source) "
                "SELECT id, 'review', '', owner_id, submitted_at + interval '30 days', submitted_at, owner_id, "
                "CASE WHEN id %% 3 = 0 OR submitted_at + interval '30 days' > now() THEN NULL "
                "ELSE submitted_at + interval '20 days' END, '', '' "
                "FROM decisions_decision WHERE id %% 50 = 1 AND id > %s", [last_id],
            )
            # One decision in 10 has a recorded share (isg/disclosures), to one of the directory's
            # organisations, the day after it was submitted.
            if self.organisations:
                cursor.execute(
                    "INSERT INTO disclosures_share (decision_id, shared_at, organisation_id, recipient_name, "
                    "recipient_person, method, what_shared, withheld, emergency, emergency_reason, recorded_by_id, "
                    "recorded_at, token) SELECT id, submitted_at + interval '1 day', "
                    "(%s::bigint[])[id / 10 %% %s + 1], '', 'Duty officer', 'secure_email', 'The concerns', '', false, '', "
                    "owner_id, submitted_at + interval '1 day', gen_random_uuid() "
                    "FROM decisions_decision WHERE id %% 10 = 3 AND id > %s",
                    [[o.pk for o in self.organisations], len(self.organisations), last_id],
                )
        self.made += count


def analyse() -> None:
    from django.db import connection

    # VACUUM too, as autovacuum would have done to a table in use: rows just written by COPY are
    # not yet marked all-visible, and an index-only scan would read the table for every one.
    with connection.cursor() as cursor:
        for table in ("decisions_decision", "approvals_approval", "followups_followup", "disclosures_share"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def register_indexes(create: bool) -> None:
    """Dropped during a big load and built once after it, as a bulk import would (the generated
    search column too: computed once for every row when it is added back)."""
    import importlib

    from django.db import connection

    for name in ("0001_register_indexes", "0002_audit_filter_indexes", "0003_agency_share_and_id_indexes"):
        migration = importlib.import_module(f"isg.register.migrations.{name}")
        with connection.schema_editor() as editor:
            (migration.create if create else migration.drop)(None, editor)


def scenarios(world: World) -> dict[str, str | dict[str, str]]:
    """Each request: a URL to GET, or the filter form's fields to POST (then follow its redirect)."""
    from isg.decisions.models import Decision
    from isg.register import services

    listed = Decision.objects.filter(submitted_at__isnull=False).order_by("-submitted_at", "-pk")
    deep = listed[int(world.made * 0.9)]
    two = f"agency={world.agencies[3].slug}&agency={world.agencies[7].slug}"
    return {
        "first page": "/register/",
        "filtered page": f"/register/?agency={world.agencies[3].slug}&flag=consent_status%3Arefused",
        "deep page": f"/register/?cursor={services.write_cursor(services.AFTER, deep)}",
        "search": {"q": "kestrel"},
        # The audit's filters (issue 15), each on its own, then the audit question they answer together.
        "2 agencies": f"/register/?{two}",
        "last quarter": "/register/?period=last_quarter",
        "approved in FY": "/register/?approved-period=this_financial_year",
        "approved dates": "/register/?approved-from-day=1&approved-from-month=1&approved-from-year=2024"
                          "&approved-to-day=31&approved-to-month=12&approved-to-year=2024",
        "2 states": "/register/?status=approved&status=not_approved",
        "3 answers": "/register/?flag=consent_status%3Arefused&flag=consent_status%3Anot_sought_unsafe"
                     "&flag=harm_level%3Aserious",
        "recipient": "/register/?recipient=police",
        **({"shared with": f"/register/?shared-with={world.organisations[1].pk}"} if world.organisations else {}),
        "decided late": "/register/?late=yes",
        "shared": "/register/?position=shared",
        "took > 1 day": "/register/?took=24",
        "followups late": "/register/?followups=yes",
        "audit question": f"/register/?{two}&outcome=outcome_share_without_consent&period=last_quarter&late=yes",
    }


def request(client, spec: str | dict[str, str]):
    """One register request as a browser makes it; a search is a POST, then the redirect's GET."""
    if isinstance(spec, str):
        return client.get(spec)
    posted = client.post("/register/", spec)
    assert posted.status_code == 302 and "search=" in posted["Location"], posted.status_code
    return client.get(posted["Location"])


def sign_in_with_second_factor(client, user) -> None:
    """Signed in as a partnership user is after a correct authenticator code (the register asks for it)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def measure(world: World, runs: int) -> dict[str, tuple[list[float], int]]:
    from django.test import Client

    client = Client()
    sign_in_with_second_factor(client, world.lscb)
    results = {}
    for name, spec in scenarios(world).items():
        for _ in range(5):  # warm the caches and the connection
            response = request(client, spec)
            assert response.status_code == 200, (spec, response.status_code)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = request(client, spec)
            times.append((time.perf_counter() - start) * 1000)
        results[name] = (times, response.content.decode().count('data-decision="'))
    return results


def use_database(name: str) -> None:
    """Point the default connection at another database of the benchmark's (same server)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def decisions_in_database() -> int:
    from isg.decisions.models import Decision

    return Decision.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4,
                        help="measure small and large in turn this many times, so a busy machine weighs on both alike")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the large database if it already holds --large decisions (seeding a million takes an hour)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few requests: does it still run?")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if args.smoke:
        if not benchlib.postgres_url():
            benchlib.skip("the register benchmark needs PostgreSQL (set DATABASE_URL to a PostgreSQL server)")
        url = benchlib.database_named(url, "isg_register_smoke")
        args.small, args.large, args.runs, args.rounds, args.reuse = 20, 60, 4, 2, False
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of the benchmark's own (it is dropped and made again).")
    large_name = urlsplit(url).path.lstrip("/")
    small_name = f"{large_name}_small"
    small_url = urlsplit(url)._replace(path=f"/{small_name}").geturl()

    fresh_database(small_url)
    os.environ["DATABASE_URL"] = small_url
    setup_django()
    walks = real_walks()
    print(f"{len(walks)} real walks from the case studies; seeding {args.small:,} decisions")
    small_world = World(walks)
    small_world.seed(args.small, random.Random(2026))
    analyse()

    reused = False
    if args.reuse:
        use_database(large_name)
        try:
            reused = decisions_in_database() == args.large
        except Exception:  # no such database or no tables yet: seed it
            reused = False
    if reused:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # new tables since it was seeded; the decisions stay
        analyse()
        large_world = World.existing(walks)
        print(f"reusing {large_name} with {args.large:,} decisions")
    else:
        use_database("postgres")
        fresh_database(url)
        use_database(large_name)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        large_world = World(walks)
        register_indexes(create=False)
        large_world.seed(args.large, random.Random(2026))
        register_indexes(create=True)
        analyse()
        print(f"seeded {args.large:,} decisions in {time.perf_counter() - started:.0f} s")

    # Small and large in turn, so that whatever else the machine is doing weighs on both.
    per_round = max(1, args.runs // args.rounds)
    small: dict[str, list] = {}
    large: dict[str, list] = {}
    for _ in range(args.rounds):
        for name, world, into in ((small_name, small_world, small), (large_name, large_world, large)):
            use_database(name)
            for request_name, (times, rows) in measure(world, per_round).items():
                into.setdefault(request_name, [[], rows])[0].extend(times)
                into[request_name][1] = rows

    if args.smoke:
        benchlib.check(small["first page"][1] > 0 and large["first page"][1] > 0, "the register listed nothing")
        benchlib.check(large["search"][1] > 0, "the search found nothing")

    def p50_p95(times: list[float]) -> tuple[float, float]:
        times = sorted(times)
        return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]

    print(f"\n{'request':15} {'p50 @1k':>9} {'p95 @1k':>9} {'p50 @N':>9} {'p95 @N':>9} {'p95 ratio':>10} rows")
    for name in small:
        (p50s, p95s), (p50l, p95l) = p50_p95(small[name][0]), p50_p95(large[name][0])
        print(f"{name:15} {p50s:8.1f}ms {p95s:8.1f}ms {p50l:8.1f}ms {p95l:8.1f}ms {p95l / p95s:9.2f}x "
              f"{small[name][1]}/{large[name][1]}")
    print(f"\nN = {args.large:,}, {per_round * args.rounds} timed requests of each kind at each size; goal: p95 ratio <= 2")


if __name__ == "__main__":
    main()
