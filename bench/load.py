"""Load run: 200 simulated practitioners walking for 60 s against two app servers, then against one.

One run (issue 8, "Scale out"): its own PostgreSQL database (dropped and made again), Redis db 14,
the task worker, and gunicorn servers started as `make serve` starts them (production settings,
plain HTTP on 127.0.0.1). Locust (headless, one process) runs bench/locustfile.py twice at the same
load: first with each simulated practitioner on one of two servers (round robin by user), then all
on one server. Optionally (`--kill`) server A gets SIGKILL 30 s into the two-server run, and its
practitioners carry on on B.

It prints, for each run: requests and errors (goal 0; with --kill, requests cut off by the kill
are counted apart), lost answers (answers the servers acknowledged that are not in the database:
goal 0), p95 per request type, and the p95 of two servers against one.

Usage: .venv/bin/python bench/load.py [--users 200] [--seconds 60] [--kill] [--smoke]
       (`make bench-load`; needs PostgreSQL and Redis on 127.0.0.1, and the `bench` dependency group)

--smoke: 4 practitioners for 4 seconds a run, 0.1-0.3 s on each page, one worker a server, in
`isg_scale_smoke` on the server DATABASE_URL names and Redis db 12 (the tests use 13, the load run
14); skipped (exit 0) without a PostgreSQL DATABASE_URL; exits 1 on any error, lost answer or a run
that made no requests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402

from tests.scaleout.servers import (  # noqa: E402
    collect_static,
    environment,
    manage,
    start_app,
    start_worker,
    stop_all,
    wait_ready,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/isg_scale_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
SMOKE_REDIS_URL = "redis://127.0.0.1:6379/12"
PASSWORD = "load-run-password-not-secret"
REQUEST_TYPES = ["start page", "start", "question", "answer", "resume", "check answers", "record"]

SEED = """
from django.contrib.auth.hashers import make_password
from isg.accounts.models import User
from isg.agencies.models import Agency
agency = Agency.objects.create(name="Load Agency", slug="load-agency")
password = make_password({password!r})
User.objects.bulk_create([
    User(username=f"load{{i}}", role=User.Role.PRACTITIONER, agency=agency, password=password) for i in range({users})
])
"""


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if not name.startswith("isg_scale_"):
        raise SystemExit(f"refusing to drop {name!r}: the load run's database name starts with isg_scale_")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def sign_in_everyone(servers: list[str], users: int, workdir: Path) -> tuple[Path, list[float]]:
    """Sign every simulated practitioner in before the runs (a sign-in is one Argon2 hash: a storm of 200 of
    them is not walking); their cookies go to Locust. Returns the file and each sign-in's seconds."""
    from tests.scaleout.practitioner import Browser, sign_in

    sessions, seconds = {}, []

    def one(i: int) -> None:
        browser = Browser(servers, preferred=i)
        started = time.perf_counter()
        sign_in(browser, f"load{i}", PASSWORD)
        seconds.append(time.perf_counter() - started)
        sessions[f"load{i}"] = {cookie.name: cookie.value for cookie in browser.jar}

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(users)))
    path = workdir / "sessions.json"
    path.write_text(json.dumps(sessions))
    return path, seconds


def run_locust(label: str, servers: list[str], args, workdir: Path, env: dict, kill=None) -> dict:
    prefix = workdir / label
    acks = workdir / f"{label}-acks.json"
    locust_env = {**env, "ISG_LOAD_SERVERS": ",".join(servers), "ISG_LOAD_PASSWORD": PASSWORD,
                  "ISG_LOAD_USERS": str(args.users), "ISG_LOAD_ACKS": str(acks), "ISG_LOAD_WAIT": args.wait,
                  "ISG_LOAD_SESSIONS": str(args.sessions)}
    command = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
               "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--stop-timeout", "5",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--host", servers[0]]
    timer = None
    if kill is not None:
        timer = threading.Timer(args.seconds / 2, kill)
        timer.start()
    with (workdir / f"{label}-locust.log").open("w") as log:
        subprocess.run(command, env=locust_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=args.seconds + 120)
    if timer is not None:
        timer.cancel()
    stats = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = row
    return {"stats": stats, "acks": json.loads(acks.read_text()), "log": workdir / f"{label}-locust.log",
            "database_url": args.database_url}


def lost_answers(database_url: str, acknowledged: list[dict]) -> int:
    ids = sorted({a["public_id"] for a in acknowledged})
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT public_id::text, path FROM decisions_decision WHERE public_id::text = ANY(%s)", [ids]
        ).fetchall()
    paths = dict(rows)
    lost = 0
    for ack in acknowledged:
        path = paths.get(ack["public_id"]) or []
        if len(path) <= ack["index"] or (path[ack["index"]]["node"], path[ack["index"]]["answer"]) != (ack["node"], ack["answer"]):
            lost += 1
    return lost


def not_recorded(database_url: str, finished: list[str]) -> int:
    """Walks that reached their outcome page whose decision is still a draft in the database."""
    with psycopg.connect(database_url) as connection:
        recorded = connection.execute(
            "SELECT count(*) FROM decisions_decision WHERE public_id::text = ANY(%s) AND status <> 'draft'", [finished]
        ).fetchone()[0]
    return len(set(finished)) - recorded


def report(label: str, result: dict, lost: int) -> None:
    total = result["stats"].get("Aggregated", {})
    print(f"\n== {label}")
    failovers = result["acks"]["failovers"]
    print(f"requests {total.get('Request Count')}, errors {total.get('Failure Count')} (goal 0"
          + (f"; {failovers} of them connections to a server that was gone, repeated on the other" if failovers else "")
          + f"), {float(total.get('Requests/s') or 0):.1f} requests/s")
    print(f"answers acknowledged {len(result['acks']['acknowledged'])}, lost {lost} (goal 0); "
          f"walks recorded {len(result['acks']['finished'])}, of which not in the database as recorded "
          f"{not_recorded(result['database_url'], result['acks']['finished'])} (goal 0)")
    print(f"{'request type':<16}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name in [*REQUEST_TYPES, "Aggregated"]:
        row = result["stats"].get(name)
        if row:
            print(f"{name:<16}{row['Request Count']:>8}{row['Failure Count']:>8}{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--wait", default="5,15", help="seconds a practitioner spends on a page: min,max")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--kill", action="store_true", help="SIGKILL server A half-way through the two-server run")
    parser.add_argument("--database-url", default=os.environ.get("ISG_LOAD_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--smoke", action="store_true", help="4 users, seconds: does it still run?")
    args = parser.parse_args()
    args.users = min(args.users, 500)  # bounded: loopback only, a few hundred users at most
    args.seconds = min(args.seconds, 300)
    redis_url = REDIS_URL
    if args.smoke:
        server = benchlib.postgres_url()
        if server is None:
            benchlib.skip("the load run needs PostgreSQL and Redis (set DATABASE_URL to a PostgreSQL server)")
        args.database_url, redis_url = benchlib.database_named(server, "isg_scale_smoke"), SMOKE_REDIS_URL
        args.users, args.spawn_rate, args.seconds, args.wait, args.workers, args.threads = 4, 4, 4, "0.1,0.3", 1, 2

    recreate_database(args.database_url)
    redis.Redis.from_url(redis_url).flushdb()
    with tempfile.TemporaryDirectory(prefix="isg-load-") as tmp:
        workdir = Path(tmp)
        env = environment(args.database_url, redis_url)
        manage(env, "migrate", "--verbosity", "0")
        collect_static(env)
        manage(env, "shell", "-c", SEED.format(password=PASSWORD, users=args.users))
        processes = []
        try:
            processes.append(start_worker(env, workdir))
            a = start_app("a", env, workdir, workers=args.workers, threads=args.threads)
            b = start_app("b", env, workdir, workers=args.workers, threads=args.threads)
            processes += [a, b]
            wait_ready([a, b], processes)
            args.sessions, seconds = sign_in_everyone([a.url, b.url], args.users, workdir)
            seconds.sort()
            print(f"signed in {len(seconds)} practitioners first (8 at a time, both servers): "
                  f"p50 {seconds[len(seconds) // 2] * 1000:.0f} ms, p95 {seconds[int(len(seconds) * 0.95) - 1] * 1000:.0f} ms")
            print(f"{args.users} practitioners, {args.seconds} s a run, spawn {args.spawn_rate}/s, "
                  f"{args.wait} s on each page; each server: gunicorn {args.workers} workers x {args.threads} threads; "
                  f"{os.cpu_count()} CPUs shared by servers, worker, PostgreSQL, Redis and Locust")

            two = run_locust("two-servers", [a.url, b.url], args, workdir, env, kill=a.kill if args.kill else None)
            two_lost = lost_answers(args.database_url, two["acks"]["acknowledged"])
            report("two servers" + (" (A killed half-way)" if args.kill else ""), two, two_lost)

            one = run_locust("one-server", [b.url], args, workdir, env)
            one_lost = lost_answers(args.database_url, one["acks"]["acknowledged"])
            report("one server", one, one_lost)

            print("\n== p95 two servers / one server (ms)")
            for name in [*REQUEST_TYPES, "Aggregated"]:
                left, right = two["stats"].get(name), one["stats"].get(name)
                if left and right and float(right["95%"] or 0):
                    print(f"{name:<16}{left['95%']:>8} / {right['95%']:<8} = {float(left['95%']) / float(right['95%']):.2f}")
            problems = two_lost + one_lost + int(one["stats"]["Aggregated"]["Failure Count"])
            problems += int(two["stats"]["Aggregated"]["Failure Count"]) - two["acks"]["failovers"]
            if problems:
                for log in (two["log"], one["log"]):
                    print(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))
                for process in processes:
                    print(f"--- {process.name}\n{process.tail(20)}")
            if args.smoke:
                benchlib.check(not problems, f"{problems} errors or lost answers")
                for result in (two, one):
                    benchlib.check(int(result["stats"].get("Aggregated", {}).get("Request Count") or 0) > 0,
                                   "a run made no requests")
        finally:
            stop_all(processes)
            redis.Redis.from_url(redis_url).flushdb()


if __name__ == "__main__":
    main()
