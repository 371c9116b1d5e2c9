"""The partnership's whole sequence in one browser session (issue 7, "Done means").

As `lscb`, with decisions from three agencies: filter the register by agency and a state flag
through the form, open a decision from the results, follow its outcome page's link to the PDF
record, export the filtered register as a CSV, then as a ZIP of PDFs, which always goes through the
task worker and its progress page (part done, then the download link). Then a
practitioner of another agency (`practitioner2`) asks for that PDF and that ZIP by their addresses
and is refused, with nothing downloaded.

The PDF's first page is rendered with pdftoppm to /tmp/partnership-sequence-record.png for a person
to look at. axe-core runs on the page types this test alone reaches: the progress page part done,
and the refusal pages; conftest fails the test on any console error not named here.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Download, Page, expect

from isg.accounts.models import User
from isg.exports import services as export_services
from isg.exports.models import ExportJob
from tests.factories import make_agency, make_decision, make_user
from tests.records.reading import pages_text

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_PAGE_PNG = Path("/tmp/partnership-sequence-record.png")
REFUSED = ["NORTH-REFUSED-1", "NORTH-REFUSED-2", "NORTH-REFUSED-3"]  # North + consent refused: the filter's result


@pytest.fixture
def world(settings, tmp_path):
    settings.ISG_EXPORT_DIR = tmp_path / "exports-private"
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 200}  # the CSV at once; a ZIP is always the worker's
    # A real queue: the job waits in the database until the worker takes it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    north = make_agency(name="North agency", slug="north")
    south = make_agency(name="South agency", slug="south")
    east = make_agency(name="East agency", slug="east")
    pat = make_user(username="pat", agency=north)
    practitioner2 = make_user(username="practitioner2", agency=south)
    eve = make_user(username="eve", agency=east)
    make_user(username="lscb", first_name="Laura", last_name="Simmons", role=User.Role.PARTNERSHIP, agency=None)
    refused = [make_decision(pat, "outcome_share_limited", submit=True, case_reference=ref) for ref in REFUSED]
    # What the filter must leave out: North without refused consent, and refused consent elsewhere.
    make_decision(pat, "outcome_share_with_consent", submit=True, case_reference="NORTH-GIVEN")
    make_decision(pat, "outcome_do_not_share", submit=True, case_reference="NORTH-NO-SHARE")
    make_decision(pat, "outcome_share_limited", case_reference="NORTH-DRAFT", upto=4)  # never listed
    make_decision(practitioner2, "outcome_share_limited", submit=True, case_reference="SOUTH-REFUSED")
    make_decision(practitioner2, "outcome_share_without_consent", submit=True, case_reference="SOUTH-SERIOUS")
    make_decision(eve, "outcome_share_limited", submit=True, case_reference="EAST-REFUSED")
    return {decision.case_reference: decision for decision in refused}


def as_user(browser, live_server, username: str) -> Page:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, username)
    return page


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


def saved(download: Download) -> bytes:
    assert download.failure() is None
    return Path(download.path()).read_bytes()


def test_lscb_filters_opens_downloads_and_exports_and_practitioner2_is_refused(
    browser, live_server, world, monkeypatch, console_errors,
):
    page = as_user(browser, live_server, "lscb")
    expect(page.locator("h1")).to_have_text("Decision register")  # the LSCB's start page
    expect(page.locator("#register-count")).to_have_text("8 decisions match")

    # -- Filter the register through its form: an agency, then a state flag. --
    page.get_by_label("North agency", exact=True).check()
    page.locator("#flag-groups summary", has_text="Consent status").click()
    page.get_by_label("When they were asked about this sharing, what was their answer? They refused").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#register-count")).to_have_text("3 decisions match")
    expect(page).to_have_url(re.compile(r"agency=north.*flag=consent_status%3Arefused"))
    links = page.locator("#register-table tbody tr td:nth-child(2) a")
    expect(links).to_have_text(sorted(REFUSED, reverse=True))  # newest first
    register_url = page.url

    # -- Open one decision from the results, and download its PDF from the outcome page. --
    chosen = world["NORTH-REFUSED-2"]
    page.get_by_role("link", name="NORTH-REFUSED-2").click()
    expect(page).to_have_url(re.compile(rf"/decisions/{chosen.public_id}/outcome/\?back=[^#]+$"))
    expect(page.locator("main")).to_contain_text("NORTH-REFUSED-2")
    # Its back link leads to the same filtered register page.
    expect(page.get_by_role("link", name="Back to the register")).to_have_attribute(
        "href", re.compile(r"^/register/\?agency=north.*flag=consent_status%3Arefused"))
    pdf_link = page.get_by_role("link", name="Download the decision record (PDF)")
    pdf_url = f"{live_server.url}{pdf_link.get_attribute('href')}"
    with page.expect_download() as download:
        pdf_link.click()
    assert download.value.suggested_filename == "decision-NORTH-REFUSED-2.pdf"
    pdf = saved(download.value)
    assert pdf.startswith(b"%PDF-")
    text = pages_text(pdf)
    assert "NORTH-REFUSED-2" in text[0] and "North agency" in text[0]
    assert all("OFFICIAL-SENSITIVE" in page_text for page_text in text)
    pdf_path = Path(download.value.path())
    FIRST_PAGE_PNG.unlink(missing_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                    str(FIRST_PAGE_PNG.with_suffix(""))], check=True, timeout=60)
    assert FIRST_PAGE_PNG.stat().st_size > 5_000  # a page with something on it, for a person to look at

    # -- Back to the filtered register; export it as a CSV (at once). --
    page.go_back()
    expect(page).to_have_url(register_url)
    expect(page.locator("#register-count")).to_have_text("3 decisions match")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()
    csv_text = saved(download.value).decode("utf-8")
    assert csv_text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(csv_text[1:])))
    assert sorted(row["case_reference"] for row in rows) == REFUSED
    assert {row["state.consent_status"] for row in rows} == {"refused"}
    assert "state.harm_level" in rows[0]

    # -- The ZIP of PDFs: always a job, its progress page and the worker. --
    page.get_by_role("button", name="Download PDFs as ZIP").click()
    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]{36}/$"))
    expect(page.locator("#export-progress")).to_contain_text("Waiting to start")
    job = ExportJob.objects.get()
    assert job.kind == "zip" and job.status == "queued"
    assert job.query == "agency=north&flag=consent_status%3Arefused"
    download_url = f"{live_server.url}/exports/{job.public_id}/download"

    # The worker runs in this thread. Routing the page's requests holds each htmx poll until this
    # thread hands control back to Playwright, so the live server never reads the (shared, in-memory)
    # test database while the worker writes it. After the first PDF the worker stops to let the
    # page's polling show the person how far it has got.
    shown = []
    record_progress = export_services._progress

    def progress_seen_by_the_person(export_job, done):
        record_progress(export_job, done)
        if done == 1:
            expect(page.locator("#export-progress")).to_contain_text("Being prepared", timeout=10_000)
            expect(page.locator("#export-done")).to_have_text("1 of 3 decisions done (33%)")
            assert_accessible(page)
            shown.append(page.locator("#export-done").inner_text())

    monkeypatch.setattr(export_services, "_progress", progress_seen_by_the_person)
    page.route(re.compile(r"/exports/"), lambda route: route.continue_())
    with page.expect_response(re.compile(r"/exports/[0-9a-f-]{36}/$")):
        pass  # a poll has just been answered: the worker starts between two polls
    run_worker()
    assert shown == ["1 of 3 decisions done (33%)"]
    expect(page.locator("#export-progress")).to_contain_text("Your export is ready", timeout=10_000)
    page.unroute(re.compile(r"/exports/"))
    expect(page.locator("#export-progress .govuk-panel__body")).to_have_text("3 decisions")
    page.screenshot(path="/tmp/partnership-sequence-export-ready.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ZIP file of PDF records").click()
    archive = zipfile.ZipFile(io.BytesIO(saved(download.value)))
    pdf_names = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert pdf_names == [f"{reference}.pdf" for reference in REFUSED]  # named by case reference
    references_in_pdfs = []
    for name in pdf_names:
        first_page = pages_text(archive.read(name))[0]
        references_in_pdfs += [ref for ref in [*REFUSED, "NORTH-GIVEN", "SOUTH-REFUSED", "EAST-REFUSED"]
                               if re.search(rf"\b{ref}\b", first_page)]
    assert sorted(references_in_pdfs) == REFUSED  # each PDF is one of the filtered decisions, each once
    assert "manifest.csv" in archive.namelist()

    # -- practitioner2 (South) asks for North's PDF and the LSCB's ZIP by address: refused. --
    console_errors.allow(r"status of 40[34]")
    outsider = as_user(browser, live_server, "practitioner2")
    downloads = []
    outsider.on("download", lambda download: downloads.append(download))
    response = outsider.goto(pdf_url)
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    expect(outsider.locator("h1")).to_have_text("Page not found")
    assert_accessible(outsider)
    response = outsider.goto(download_url)
    assert response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    expect(outsider.locator("h1")).to_have_text("You cannot do that")
    assert_accessible(outsider)
    assert downloads == []
