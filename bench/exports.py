"""CSV export of the register: time and peak memory at two sizes on PostgreSQL (issue 7, "Done means").

    .venv/bin/python bench/exports.py                      # 10,000 and 100,000 decisions
    .venv/bin/python bench/exports.py --sizes 10000 1000000

Uses its own database (`isg_exports_bench` on postgres@127.0.0.1, or BENCH_DATABASE_URL), created
and migrated if missing and emptied of decisions first. Seeding replays a few real walks through
the decision services (the engine computes their state and outcome), then bulk_creates copies of
those decisions with fresh ids, case references, agencies, owners and submission times, up to each
size. Each measurement runs in a fresh subprocess: it exports everything the LSCB can see through
the same generator the download streams (isg.exports.services.csv_download over
register_decisions), discarding the bytes, and reports wall time, the process's peak RSS growth
(VmHWM) and, in a second run, tracemalloc's peak of Python allocations.
Prints figures and whether memory stayed flat; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isg_exports_bench"
WALKS = ("outcome_share_with_consent", "outcome_share_limited", "outcome_share_without_consent",
         "outcome_emergency_share", "outcome_do_not_share", "outcome_share_no_consent_needed")
BATCH = 5000
FLAT_FACTOR = 1.5  # peak at the large size within 1.5x the small one counts as flat
GOAL_MB = 100


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("ISG_SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isg.settings")
    os.environ.setdefault("ISG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    # Mail and tasks from the seeding walks run in-process (the people have no email addresses).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ISG_EXPORT_DIR = Path("/tmp/isg-exports-bench")


def ensure_database() -> None:
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def seed(target: int) -> None:
    """Top the decisions up to `target` (from zero on the first call)."""
    import datetime
    import itertools
    import uuid

    from django.utils import timezone

    from isg.accounts.models import User
    from isg.decisions.models import Decision
    from isg.flowchart.services import register_current
    from tests.factories import make_agency, make_decision, make_user

    register_current()
    if not User.objects.filter(username="bench-lscb").exists():
        make_user(username="bench-lscb", role=User.Role.PARTNERSHIP, agency=None)
    have = Decision.objects.count()
    if have == 0:
        agencies = [make_agency(name=f"Bench agency {n}", slug=f"bench-{n}") for n in range(8)]
        owners = [make_user(username=f"bench-pat-{n}", agency=agencies[n % 8]) for n in range(40)]
        for n, outcome in enumerate(WALKS):
            make_decision(owners[n], outcome, submit=True, case_reference=f"TEMPLATE-{n}")
        have = Decision.objects.count()
    templates = list(Decision.objects.filter(case_reference__startswith="TEMPLATE-"))
    owners = list(User.objects.filter(username__startswith="bench-pat-").select_related("agency"))
    start = timezone.now() - datetime.timedelta(days=3 * 365)
    fields = ("status", "flowchart_id", "flowchart_version", "path", "state", "current_node", "record", "outcome",
              "requires_approval", "is_emergency", "revision")
    counter = itertools.count(have)
    while have < target:
        batch = []
        for _ in range(min(BATCH, target - have)):
            n = next(counter)
            template, owner = templates[n % len(templates)], owners[n % len(owners)]
            copy = Decision(**{f: getattr(template, f) for f in fields})
            copy.public_id, copy.owner, copy.agency = uuid.uuid4(), owner, owner.agency
            copy.case_reference = f"BENCH-{n:07d}"
            copy.submitted_at = start + datetime.timedelta(minutes=n)
            batch.append(copy)
        Decision.objects.bulk_create(batch, batch_size=BATCH)
        have += len(batch)
        print(f"  seeded {have:,}", flush=True)


def high_water_kb() -> int:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that across
    exec, so a child would report its parent's peak; VmHWM starts afresh with the new image."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(trace: bool) -> dict:
    """In this (fresh) process: export everything the LSCB sees; time, bytes, rows and memory."""
    import tracemalloc

    from isg.accounts.models import User
    from isg.exports import services

    user = User.objects.get(username="bench-lscb")
    decisions = services.matching(user, "")
    decisions.order_by()[:1].count()  # connection and first query out of the way
    rss_before = high_water_kb()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    size = lines = 0
    for chunk in services.csv_download(user, "", decisions):
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_after = high_water_kb()
    return {"seconds": elapsed, "bytes": size, "rows": lines - 1, "rss_growth_kb": rss_after - rss_before,
            "rss_peak_kb": rss_after, "traced_peak": peak}


def child(trace: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", "trace" if trace else "plain"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", choices=["plain", "trace"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup()
        print(json.dumps(measure(args.child == "trace")))
        return
    ensure_database()
    setup()
    from django.core.management import call_command

    from isg.decisions.models import Decision

    call_command("migrate", verbosity=0)
    smallest = min(args.sizes)
    if Decision.objects.count() > smallest:
        # Start from the smallest size: remove the copies numbered past it (never the templates).
        Decision.objects.filter(case_reference__startswith="BENCH-", case_reference__gte=f"BENCH-{smallest:07d}").delete()
    results = []
    for size in sorted(args.sizes):
        print(f"seeding to {size:,} decisions ...", flush=True)
        seed(size)
        plain, traced = child(False), child(True)
        results.append((size, plain, traced))
        print(f"{size:>10,} decisions: {plain['rows']:,} rows, {plain['bytes'] / 1e6:.1f} MB of CSV in "
              f"{plain['seconds']:.2f} s ({plain['rows'] / plain['seconds']:,.0f} rows/s); peak RSS "
              f"{plain['rss_peak_kb'] / 1024:.1f} MB (+{plain['rss_growth_kb'] / 1024:.1f} MB while exporting); "
              f"tracemalloc peak {traced['traced_peak'] / 1e6:.2f} MB", flush=True)
    (small, p_small, t_small), (large, p_large, t_large) = results[0], results[-1]
    flat = (t_large["traced_peak"] <= FLAT_FACTOR * t_small["traced_peak"]
            and p_large["rss_peak_kb"] <= FLAT_FACTOR * p_small["rss_peak_kb"])
    print(f"\nmemory {large:,} vs {small:,}: tracemalloc peak x{t_large['traced_peak'] / t_small['traced_peak']:.2f}, "
          f"peak RSS x{p_large['rss_peak_kb'] / p_small['rss_peak_kb']:.2f} -> {'FLAT' if flat else 'NOT FLAT'}; "
          f"peak RSS {p_large['rss_peak_kb'] / 1024:.0f} MB (goal <= {GOAL_MB} MB)")
    print(f"time {large:,} vs {small:,}: x{p_large['seconds'] / p_small['seconds']:.1f} "
          f"for x{large / small:.0f} the rows")


if __name__ == "__main__":
    main()
