"""The partnership's assurance (issue 15) as one journey in a real browser, with JavaScript and without.

As `lscb`: filter last quarter's shares without consent of two agencies, approved late; open one
and come back to the same filtered page; export that list as CSV (codes with their words beside
them, people by name, UK local time with its offset) and as a ZIP of PDF records (the progress
page, the worker run here, the email with the link, the files named by case reference);
then follow a dashboard figure (who shared with which organisation, from the recorded shares) to
exactly its rows in the register.

The pieces have their own tests (tests/browser/test_register.py for the filter and the way back,
test_exports.py for the exports' buttons and the polling, test_dashboard.py for the dashboard's
swaps and phone layout); this one checks they make one journey. axe-core runs on every page type
with JavaScript; conftest fails the test on any console error.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from isg.accounts.models import User
from isg.approvals.models import Approval
from isg.exports.csv import uk_time
from isg.exports.models import ExportJob
from tests.factories import make_organisation, make_share

from .conftest import assert_accessible
from .test_exports import run_worker
from .test_register import apply, open_register, seed_audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILTER = ("agency=north", "agency=south", "period=last_quarter", "outcome=outcome_share_without_consent", "late=yes")


@pytest.fixture
def assurance_world(settings, tmp_path, live_server):
    """tests/browser/test_register.py's audit question, its people named, and shares recorded."""
    settings.ISG_EXPORT_DIR = tmp_path / "exports-private"
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 200}  # the CSV at once; a ZIP is always the worker's
    # A real queue: the job waits in the database until the worker's task is run (here, by the test).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.ISG_SITE_URL = live_server.url
    made = seed_audit()
    names = {"pat-north": ("Nadia", "Okafor"), "pat-south": ("Sam", "Ellis"),
             "manager-north": ("Morgan", "Reeve"), "manager-south": ("Priya", "Shah")}
    for username, (first, last) in names.items():
        User.objects.filter(username=username).update(first_name=first, last_name=last)
    User.objects.filter(username="lscb").update(email="lscb@example.org")
    for name, approver in (("NORTH-LATE", "manager-north"), ("SOUTH-LATE", "manager-south")):
        Approval.objects.filter(decision=made[name]).update(decided_by=User.objects.get(username=approver))
    police = make_organisation("Riverside Police", kind="police")
    care = make_organisation("Riverside Children's Social Care")
    make_share(made["NORTH-LATE"], organisation=care)
    make_share(made["SOUTH-LATE"], organisation=police)
    make_share(made["SOUTH-LATE"], organisation=police)  # two shares to the police: one decision
    make_share(made["EAST-LATE"], organisation=police)
    return {"made": made, "police": police}


def export_csv(page: Page) -> list[dict]:
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lscb_answers_the_audit_question_exports_it_and_checks_a_figure(
        browser, live_server, console_errors, assurance_world, javascript):
    made = assurance_world["made"]
    page = open_register(browser, live_server, javascript)

    # The audit question, with the filter's own controls.
    page.get_by_label("North agency", exact=True).check()
    page.get_by_label("South agency", exact=True).check()
    page.get_by_label("Submitted in", exact=True).select_option(label="Last quarter")
    page.get_by_label("Outcome", exact=True).select_option(label="Share without consent")
    page.get_by_label("Approved or reviewed late (decided after it was due)").check()
    apply(page)
    expect(page.locator("#register-count")).to_have_text("2 decisions match")
    filtered = page.url
    assert all(part in filtered for part in FILTER), filtered
    if javascript:
        assert_accessible(page)

    # Open one, and come back to the same list.
    page.get_by_role("link", name="SOUTH-LATE").click()
    expect(page.locator("main")).to_contain_text("SOUTH-LATE")
    if javascript:
        assert_accessible(page)
    page.get_by_role("link", name="Back to the register").first.click()
    expect(page).to_have_url(filtered)
    expect(page.locator("#register-count")).to_have_text("2 decisions match")

    # The CSV of exactly that list: readable beside the codes.
    rows = {row["case_reference"]: row for row in export_csv(page)}
    assert sorted(rows) == ["NORTH-LATE", "SOUTH-LATE"]
    north = rows["NORTH-LATE"]
    assert (north["status"], north["status_label"]) == ("approved", "Approved")
    assert north["outcome"] == "outcome_share_without_consent" and north["outcome_title"]
    assert north["outcome_title"] != north["outcome"]
    assert north["state.consent_status"] and north["state.consent_status.label"]
    assert "_" not in north["state.consent_status.label"]  # words, not the code
    assert (north["agency"], north["practitioner"], north["approval_decided_by"]) == (
        "North agency", "Nadia Okafor", "Morgan Reeve")
    assert rows["SOUTH-LATE"]["practitioner"] == "Sam Ellis" and rows["SOUTH-LATE"]["approval_decided_by"] == "Priya Shah"
    assert north["practitioner_id"] == str(made["NORTH-LATE"].owner_id)
    for column in ("submitted_at", "approval_decided_at"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[01]:00", north[column]), north[column]
    approval = Approval.objects.get(decision=made["NORTH-LATE"])
    assert north["approval_decided_at"] == uk_time(approval.decided_at)

    # The ZIP: a job, its progress page, the worker's task, the email, the files.
    page.get_by_role("button", name="Download PDFs as ZIP").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    progress = page.locator("#export-progress")
    expect(progress).to_contain_text("Waiting to start")
    expect(progress).to_contain_text("We will email you a link to this page")
    job = ExportJob.objects.get(kind="zip")
    assert job.status == "queued"
    assert sorted(job.query.split("&")) == sorted(FILTER)
    if javascript:
        assert_accessible(page)
        # The worker's task runs between two of the page's polls (they share the test database).
        with page.expect_response(re.compile(r"/exports/[0-9a-f-]{36}/$")):
            pass
    run_worker()  # the worker, in this thread, in batch mode: the job, then the email it queues
    job.refresh_from_db()
    assert job.status == "done" and job.total == 2
    (message,) = mail.outbox
    assert message.to == ["lscb@example.org"] and message.subject == "Your export is ready to download"
    link = re.search(rf"{re.escape(live_server.url)}(/exports/[0-9a-f-]{{36}}/)", message.body).group(1)
    assert link == f"/exports/{job.public_id}/"
    for detail in ("NORTH-LATE", "SOUTH-LATE", "north", "late"):
        assert detail not in message.body  # a link and nothing else
    if javascript:
        expect(progress).to_contain_text("Your export is ready", timeout=10_000)  # the poll saw it
    page.goto(f"{live_server.url}{link}")  # the email's link
    expect(progress).to_contain_text("Your export is ready")
    if javascript:
        assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the ZIP")).click()
    archive = zipfile.ZipFile(download.value.path())
    assert sorted(archive.namelist()) == ["NORTH-LATE.pdf", "SOUTH-LATE.pdf", "manifest.csv"]
    assert archive.read("SOUTH-LATE.pdf").startswith(b"%PDF-")

    # A dashboard figure: who shared with which organisation, from the recorded shares, opens
    # the register on exactly its rows (two shares to the police, one decision).
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("h1")).to_have_text("Partnership dashboard")
    matrix = page.locator("#table-organisations")
    expect(matrix).to_contain_text("Riverside Police")
    if javascript:
        assert_accessible(page)
    page.screenshot(path=f"/tmp/assurance-dashboard-{'js' if javascript else 'nojs'}.png", full_page=True)
    matrix.get_by_role("link", name="1 shared by South agency with Riverside Police: see them in the register").click()
    expect(page.locator("h1")).to_have_text("Decision register")
    expect(page).to_have_url(re.compile(rf"/register/\?agency=south&shared-with={assurance_world['police'].pk}$"))
    expect(page.locator("#register-count")).to_have_text("1 decision matches")
    expect(page.locator("#register-table")).to_contain_text("SOUTH-LATE")
    expect(page.locator("#register-results")).to_contain_text("Riverside Police")
    expect(page.get_by_label("Riverside Police")).to_be_checked()
    if javascript:
        assert_accessible(page)
