"""Benchmark: a PDF decision record against WeasyPrint's minimal page, in one run, as a ratio (issue 15).

One process, a fresh SQLite database in a temporary folder (this is about rendering, not the
database). It makes N submitted decisions (real walks to the flowchart's outcomes, through the
decision services), then renders each one's record as the download and the ZIP do
(isg.records.pdf.render_decision_pdf: the record dict, the template, WeasyPrint, tagged PDF/UA-1, the
JSON attachment, the diagram), and after each, WeasyPrint's minimal page: one heading and one
paragraph, tagged PDF/UA-1, with WeasyPrint's defaults (so its own fixed costs per document). The two
alternate, so whatever else the machine does weighs on both alike.

It prints the first record (the process's caches cold: fonts, stylesheet, Graphviz), then p50/p95
per record over the rest (each path's diagram is drawn once, on its first record), the minimal
page's p50, and the ratio of the p50s. Goal: a record in at most 0.5 s.

Usage: .venv/bin/python bench/pdf.py [--records 60] [--smoke]
--smoke: 4 records; exits 1 if any record or the minimal page fails to render.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402

GOAL_SECONDS = 0.5
# Walks the factories can submit without further details (as bench/exports.py seeds), six different paths.
OUTCOMES = ("outcome_share_with_consent", "outcome_share_limited", "outcome_share_without_consent",
            "outcome_emergency_share", "outcome_do_not_share", "outcome_share_no_consent_needed")
MINIMAL_PAGE = ('<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Minimal</title></head>'
                "<body><h1>Minimal page</h1><p>One paragraph of text.</p></body></html>")


def setup(workdir: Path) -> None:
    os.environ.update({
        "DATABASE_URL": f"sqlite:///{workdir / 'pdf-bench.sqlite3'}", "DJANGO_SETTINGS_MODULE": "isg.settings",
        "ISG_DEBUG": "0", "ISG_LOG_LEVEL": "WARNING", "ISG_EXPORT_DIR": str(workdir / "exports"),
    })
    os.environ.setdefault("ISG_SECRET_KEY", "bench-only-secret-key-not-for-production")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The walks' notifications are only queued: this run is about the PDF, not the mail.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    # The seeded people never sign in: a fast hash instead of Argon2's deliberate half second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def seed(count: int) -> list:
    """`count` submitted decisions, walking to each outcome in turn (each path is a different diagram)."""
    from isg.accounts.models import User
    from isg.flowchart.services import register_current
    from tests.factories import make_agency, make_decision, make_user

    register_current()
    agency = make_agency(name="Bench agency", slug="bench-agency")
    owner = make_user(username="bench-practitioner", first_name="Priya", last_name="Shah", agency=agency)
    decisions = [make_decision(owner, OUTCOMES[n % len(OUTCOMES)], submit=True, case_reference=f"BENCH-{n:04d}")
                 for n in range(count)]
    exporter = make_user(username="bench-lscb", first_name="Lee", last_name="Board", role=User.Role.PARTNERSHIP,
                         agency=None)
    return decisions, exporter


def timed(action) -> tuple[float, bytes]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60)
    parser.add_argument("--smoke", action="store_true", help="4 records: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.records = 4
    with tempfile.TemporaryDirectory(prefix="isg-pdf-bench-") as tmp:
        setup(Path(tmp))
        from weasyprint import HTML

        from isg.records.pdf import PDF_VARIANT, is_whole_pdf, render_decision_pdf

        decisions, exporter = seed(args.records)
        print(f"{len(decisions)} submitted decisions on SQLite; rendering each record, then WeasyPrint's minimal page")

        def record(decision):
            return lambda: render_decision_pdf(decision, exported_by=exporter).pdf

        def minimal() -> bytes:
            return HTML(string=MINIMAL_PAGE).write_pdf(pdf_variant=PDF_VARIANT)

        first, pdf = timed(record(decisions[0]))
        benchlib.check(is_whole_pdf(pdf), "the first record is not a whole PDF")
        records, pages, sizes = [], [], [len(pdf)]
        for decision in decisions[1:]:
            seconds, pdf = timed(record(decision))
            records.append(seconds)
            sizes.append(len(pdf))
            seconds, page = timed(minimal)
            pages.append(seconds)
            benchlib.check(is_whole_pdf(page), "WeasyPrint's minimal page is not a whole PDF")

    def ms(value: float) -> str:
        return f"{value * 1000:.0f} ms"

    p50, p50_page = statistics.median(records), statistics.median(pages)
    p95 = sorted(records)[max(0, round(len(records) * 0.95) - 1)]
    print(f"first record (caches cold): {ms(first)}")
    print(f"record, {len(records)} more: p50 {ms(p50)}, p95 {ms(p95)}, max {ms(max(records))}, "
          f"mean {ms(statistics.fmean(records))}; {statistics.fmean(sizes) / 1024:.0f} KB a PDF")
    print(f"WeasyPrint minimal page, {len(pages)} times: p50 {ms(p50_page)}")
    print(f"ratio record / minimal page (p50): {p50 / p50_page:.1f}")
    print(f"goal: a record in at most {GOAL_SECONDS:.1f} s: {'met' if p50 <= GOAL_SECONDS else 'NOT met'} at p50, "
          f"{'met' if p95 <= GOAL_SECONDS else 'not met'} at p95")


if __name__ == "__main__":
    main()
