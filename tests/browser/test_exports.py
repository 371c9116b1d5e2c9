"""Exports from the register in a real browser, as the partnership (LSCB), with and without JavaScript.

A CSV of the filtered register downloads at once; a ZIP of PDF records (always) goes
through the task worker (django-tasks-db's `db_worker`, run in this process) and its progress page:
with JavaScript htmx polls it until the download link appears, without it the person presses
Refresh. axe-core runs on the progress page (with JavaScript); conftest fails on any console error.
A practitioner of another agency cannot reach the exports or the job.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from isg.exports.models import ExportJob
from tests.factories import make_agency, make_decision, make_user

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def exports_world(settings, tmp_path):
    settings.ISG_EXPORT_DIR = tmp_path / "exports-private"
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 200}  # the CSV at once; a ZIP is always the worker's
    # A real queue: the job waits in the database until the worker takes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    north, south = make_agency(name="North agency", slug="north"), make_agency(name="South agency", slug="south")
    pat, pat2 = make_user(username="pat", agency=north), make_user(username="practitioner2", agency=south)
    make_user(username="lscb", first_name="Laura", last_name="Simmons", role="partnership", agency=None)
    make_decision(pat, "outcome_share_with_consent", submit=True, case_reference="=HYPERLINK(\"x\")")
    make_decision(pat, "outcome_share_limited", submit=True, case_reference="NORTH-2")
    make_decision(pat2, "outcome_share_without_consent", submit=True, case_reference="SOUTH-1")


def as_user(browser, live_server, username: str, javascript: bool) -> Page:
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, username)
    return page


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lscb_exports_a_csv_and_a_zip_through_the_worker(browser, live_server, exports_world, javascript):
    page = as_user(browser, live_server, "lscb", javascript)
    page.goto(f"{live_server.url}/register/?agency=north")
    expect(page.locator("#register-count")).to_contain_text("2 decisions match")

    # The CSV: at once, the register's filter, every state flag, the formula neutralised.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert sorted(r["case_reference"] for r in rows) == ["'=HYPERLINK(\"x\")", "NORTH-2"]
    assert "state.consent_status" in rows[0] and "state.harm_level" in rows[0]

    # The ZIP: always a job and its progress page, waiting for the worker.
    page.get_by_role("button", name="Download PDFs as ZIP").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#export-progress")).to_contain_text("Waiting to start")
    expect(page.locator("#export-progress")).to_contain_text("refresh it")
    job = ExportJob.objects.get()
    assert job.status == "queued" and job.kind == "zip" and job.query == "agency=north"
    if javascript:
        assert_accessible(page)
        # Hold the page's polls while the worker runs in this thread (they share the test database).
        page.route(re.compile(r"/exports/"), lambda route: route.continue_())
        with page.expect_response(re.compile(r"/exports/[0-9a-f-]{36}/$")):
            pass  # the next poll has been answered: the worker starts between two polls
        run_worker()
        expect(page.locator("#export-progress")).to_contain_text("Your export is ready", timeout=10_000)
        page.unroute(re.compile(r"/exports/"))
    else:
        run_worker()
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator("#export-progress")).to_contain_text("Your export is ready")
    if javascript:
        assert_accessible(page)
    page.screenshot(path=f"/tmp/exports-job-{'js' if javascript else 'nojs'}.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the ZIP")).click()
    archive = zipfile.ZipFile(download.value.path())
    # Each PDF named by its case reference, made safe for a file name.
    assert sorted(archive.namelist()) == ["HYPERLINK-x.pdf", "NORTH-2.pdf", "manifest.csv"]


def test_practitioner2_cannot_export_or_reach_a_job(browser, live_server, exports_world, console_errors):
    job = ExportJob.objects.create(
        requester=make_user(username="lscb2", role="partnership", agency=None), kind="csv",
        expires_at="2099-01-01T00:00:00Z",
    )
    console_errors.allow(r"status of 40[34]")
    page = as_user(browser, live_server, "practitioner2", True)
    assert page.goto(f"{live_server.url}/exports/csv/").status == 403
    assert page.goto(f"{live_server.url}/exports/zip/").status == 403
    assert page.goto(f"{live_server.url}/exports/{job.public_id}/").status == 403
    lscb = as_user(browser, live_server, "lscb", True)
    assert lscb.goto(f"{live_server.url}/exports/{job.public_id}/").status == 404
    assert lscb.goto(f"{live_server.url}/exports/{job.public_id}/download").status == 404
