"""Exports of the register: the CSV and the ZIP of PDF records, time and peak memory at two sizes each
on PostgreSQL (issue 7 for the CSV, issue 15 for the ZIP).

    .venv/bin/python bench/exports.py                      # CSV of 10,000 and 100,000; ZIP of 100 and 1,000
    .venv/bin/python bench/exports.py --sizes 10000 1000000 --zip-sizes 1000
    .venv/bin/python bench/exports.py --smoke              # seconds: tiny sizes; exits 1 if anything breaks

Uses its own database (`isg_exports_bench` on postgres@127.0.0.1, or BENCH_DATABASE_URL), created
and migrated if missing and emptied of decisions first. Seeding replays a few real walks through
the decision services (the engine computes their state and outcome), then bulk_creates copies of
those decisions with fresh ids, case references, agencies, owners and submission times, up to each
size. Each measurement runs in a fresh subprocess:

- CSV: everything the LSCB can see, through the same generator the download streams
  (isg.exports.services.csv_download over register_decisions), the bytes discarded; wall time, the
  process's peak RSS growth (VmHWM) and, in a second run, tracemalloc's peak of Python allocations;
- ZIP: a job for everything the LSCB can see, run as the task worker runs it
  (isg.exports.services.run_job: a PDF record each, the manifest, history, audit); wall time, time
  per record, the file's size and the process's peak RSS.

--smoke: SQLite in a temporary folder (or, with DATABASE_URL naming a PostgreSQL server, its own
database `isg_exports_smoke` there, dropped and made again), two walks copied to a CSV of 4 and 8
and a ZIP of 4.
Prints figures and whether memory stayed flat; only --smoke fails (exit 1), and only if a step breaks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import benchlib  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/isg_exports_bench"
URL_VARIABLE = "ISG_EXPORTS_BENCH_URL"  # the database chosen, handed to each measuring subprocess
WALKS = ("outcome_share_with_consent", "outcome_share_limited", "outcome_share_without_consent",
         "outcome_emergency_share", "outcome_do_not_share", "outcome_share_no_consent_needed")
BATCH = 5000
FLAT_FACTOR = 1.5  # peak at the large size within 1.5x the small one counts as flat
GOAL_MB = 100


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = os.environ[URL_VARIABLE]
    os.environ.setdefault("ISG_SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isg.settings")
    os.environ.setdefault("ISG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    # Mail and tasks from the seeding walks run in-process (the people have no email addresses).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # The seeded people never sign in: a fast hash instead of Argon2's deliberate half second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ISG_EXPORT_DIR = Path(os.environ.get("ISG_EXPORT_DIR", "/tmp/isg-exports-bench"))


def choose_database(smoke: bool, workdir: Path) -> str:
    """The database for this run, also put where the measuring subprocesses find it."""
    if smoke:
        server = benchlib.postgres_url()
        url = (benchlib.fresh_postgres(benchlib.database_named(server, "isg_exports_smoke")) if server
               else f"sqlite:///{workdir / 'exports-smoke.sqlite3'}")
    else:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
        ensure_database(url)
    os.environ[URL_VARIABLE] = url
    os.environ["ISG_EXPORT_DIR"] = str(workdir / "exports")
    return url


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            conn.execute(f'create database "{name}"')


def seed(target: int, walks: tuple[str, ...] = WALKS) -> None:
    """Top the decisions up to `target` (from zero on the first call: `walks` first, one decision each)."""
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
        for n, outcome in enumerate(walks):
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


def measure_zip() -> dict:
    """In this (fresh) process: a ZIP job of everything the LSCB sees, run as the worker runs it.

    Its writes (the job, each decision's `exported` history event, the audit event) are rolled back
    at the end: history and audit are append-only, and the next run must be able to start again
    from the smallest size. The file itself is written, timed and deleted."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from isg.accounts.models import User
    from isg.exports import services
    from isg.exports.models import ExportJob

    user = User.objects.get(username="bench-lscb")
    services.matching(user, "").order_by()[:1].count()  # connection and first query out of the way
    with transaction.atomic():
        # The row start_job makes, without its queueing: this process is the worker.
        job = ExportJob.objects.create(requester=user, kind="zip", query="",
                                       expires_at=timezone.now() + datetime.timedelta(hours=1))
        rss_before = high_water_kb()
        began = time.perf_counter()
        status = services.run_job(job.pk)
        elapsed = time.perf_counter() - began
        rss_after = high_water_kb()
        job.refresh_from_db()
        transaction.set_rollback(True)
    if job.path is not None:
        job.path.unlink(missing_ok=True)
    return {"status": status, "seconds": elapsed, "records": job.total or 0, "bytes": job.size or 0,
            "rss_growth_kb": rss_after - rss_before, "rss_peak_kb": rss_after}


def child(kind: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind], capture_output=True, text=True, cwd=ROOT)
    benchlib.check(out.returncode == 0, f"the {kind} measurement failed:\n{out.stderr.strip()[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="CSV sizes")
    parser.add_argument("--zip-sizes", type=int, nargs="*", default=[100, 1_000], help="ZIP sizes (none: no ZIP)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds: does it still run?")
    parser.add_argument("--child", choices=["plain", "trace", "zip"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup()
        print(json.dumps(measure_zip() if args.child == "zip" else measure(args.child == "trace")))
        return
    if args.smoke:
        args.sizes, args.zip_sizes = [4, 8], [4]
    with tempfile.TemporaryDirectory(prefix="isg-exports-bench-") as tmp:
        url = choose_database(args.smoke, Path(tmp))
        print(f"database: {url.split(':')[0]}")
        run(args)


def run(args) -> None:
    setup()
    from django.core.management import call_command

    from isg.decisions.models import Decision

    call_command("migrate", verbosity=0)
    sizes = sorted(set(args.sizes) | set(args.zip_sizes))
    smallest = sizes[0]
    if Decision.objects.count() > smallest:
        # Start from the smallest size: remove the copies numbered past it (never the templates).
        Decision.objects.filter(case_reference__startswith="BENCH-", case_reference__gte=f"BENCH-{smallest:07d}").delete()
    csv_results, zip_results = [], []
    for size in sizes:
        print(f"seeding to {size:,} decisions ...", flush=True)
        seed(size, WALKS[:2] if args.smoke else WALKS)
        benchlib.check(Decision.objects.count() == size, f"seeded {Decision.objects.count()}, not {size}")
        if size in args.sizes:
            plain, traced = child("plain"), child("trace")
            benchlib.check(plain["rows"] == size, f"the CSV has {plain['rows']} rows, not {size}")
            csv_results.append((size, plain, traced))
            print(f"CSV {size:>10,} decisions: {plain['rows']:,} rows, {plain['bytes'] / 1e6:.1f} MB in "
                  f"{plain['seconds']:.2f} s ({plain['rows'] / plain['seconds']:,.0f} rows/s); peak RSS "
                  f"{plain['rss_peak_kb'] / 1024:.1f} MB (+{plain['rss_growth_kb'] / 1024:.1f} MB while exporting); "
                  f"tracemalloc peak {traced['traced_peak'] / 1e6:.2f} MB", flush=True)
        if size in args.zip_sizes:
            made = child("zip")
            benchlib.check(made["status"] == "done" and made["records"] == size,
                           f"the ZIP job ended {made['status']} with {made['records']} records, not {size}")
            zip_results.append((size, made))
            print(f"ZIP {size:>10,} records: {made['seconds']:.1f} s ({made['seconds'] / size:.3f} s a record), "
                  f"{made['bytes'] / 1e6:.1f} MB; peak RSS {made['rss_peak_kb'] / 1024:.1f} MB "
                  f"(+{made['rss_growth_kb'] / 1024:.1f} MB while making it)", flush=True)
    if len(csv_results) > 1:
        (small, p_small, t_small), (large, p_large, t_large) = csv_results[0], csv_results[-1]
        flat = (t_large["traced_peak"] <= FLAT_FACTOR * t_small["traced_peak"]
                and p_large["rss_peak_kb"] <= FLAT_FACTOR * p_small["rss_peak_kb"])
        print(f"\nCSV memory {large:,} vs {small:,}: tracemalloc peak x{t_large['traced_peak'] / t_small['traced_peak']:.2f}, "
              f"peak RSS x{p_large['rss_peak_kb'] / p_small['rss_peak_kb']:.2f} -> {'FLAT' if flat else 'NOT FLAT'}; "
              f"peak RSS {p_large['rss_peak_kb'] / 1024:.0f} MB (goal <= {GOAL_MB} MB)")
        print(f"CSV time {large:,} vs {small:,}: x{p_large['seconds'] / p_small['seconds']:.1f} "
              f"for x{large / small:.0f} the rows")
    if len(zip_results) > 1:
        (small, z_small), (large, z_large) = zip_results[0], zip_results[-1]
        ratio = z_large["rss_peak_kb"] / z_small["rss_peak_kb"]
        print(f"\nZIP memory {large:,} vs {small:,} records: peak RSS x{ratio:.2f} -> "
              f"{'FLAT' if ratio <= FLAT_FACTOR else 'NOT FLAT'}; peak RSS {z_large['rss_peak_kb'] / 1024:.0f} MB")
        print(f"ZIP time {large:,} vs {small:,}: x{z_large['seconds'] / z_small['seconds']:.1f} for x{large / small:.0f} "
              f"the records; {z_large['seconds']:.0f} s for {large:,}")


if __name__ == "__main__":
    main()
