"""The ZIP of PDF records: always made by the worker, files named by case reference, a manifest,
history and audit, an email with a link when it is ready, nothing on a failure."""

from __future__ import annotations

import csv
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core import mail

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision, DecisionEvent
from isg.exports import services
from isg.exports.models import ExportJob
from isg.exports.tasks import run_export_job
from isg.records import pdf
from tests.factories import make_decision

from .conftest import body, client_for, post_export

pytestmark = pytest.mark.django_db


def run_zip(client, query, capture) -> ExportJob:
    """Post the register's ZIP button; the job runs on commit (the immediate backend: as the worker)."""
    with capture(execute=True):
        response = post_export(client, "zip", query)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{job.public_id}/"
    job.refresh_from_db()
    return job


def archive_of(client, job) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(body(client.get(f"/exports/{job.public_id}/download"))))


def test_even_two_records_go_to_the_worker_and_no_pdf_is_made_in_the_request(people, decisions, monkeypatch):
    def not_in_a_request(*args, **kwargs):
        raise AssertionError("a PDF was rendered in the request")

    monkeypatch.setattr(pdf, "render_decision_pdf", not_in_a_request)
    client = client_for(people["lscb"])
    start = client.get("/exports/zip/?agency=north").content.decode()
    assert "2 decisions match" in start and "always prepared in the background" in start
    assert "email you that link" in start
    response = post_export(client, "zip", "agency=north")  # on-commit callbacks are not run here
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.kind == "zip" and job.status == "queued" and job.query == "agency=north"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page and "We will email you a link to this page" in page


def test_the_zip_holds_one_pdf_per_decision_named_by_case_reference_and_a_readable_manifest(
        people, decisions, export_dir, django_capture_on_commit_callbacks):
    client = client_for(people["lscb"])
    job = run_zip(client, "agency=north", django_capture_on_commit_callbacks)
    assert job.status == "done" and job.total == 2
    archive = archive_of(client, job)
    assert sorted(archive.namelist()) == ["NORTH-1.pdf", "NORTH-2.pdf", "manifest.csv"]
    for name in ("NORTH-1.pdf", "NORTH-2.pdf"):
        assert archive.read(name).startswith(b"%PDF-")
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    by_file = {r["file"]: r for r in manifest}
    assert by_file["NORTH-1.pdf"]["case_reference"] == "NORTH-1"
    consent = decisions["consent"]
    row = by_file["NORTH-1.pdf"]
    assert row["public_id"] == str(consent.public_id) and row["status_label"] == consent.get_status_display()
    assert row["outcome"] == consent.outcome and row["outcome_title"]
    assert row["submitted_at"].endswith(("+00:00", "+01:00"))  # UK local time, with its offset
    # Each decision's history says it was exported in this ZIP, with its PDF's digest.
    for name in ("consent", "limited"):
        event = DecisionEvent.objects.get(decision=decisions[name], kind="exported")
        assert event.payload["container"] == "zip" and event.payload["export"] == str(job.public_id)
        assert next(r for r in manifest if r["public_id"] == str(decisions[name].public_id))["pdf_sha256"] == \
            event.payload["sha256"]
    audit = AuditEvent.objects.filter(subject_type="export").get()
    assert audit.payload["kind"] == "zip" and audit.payload["mode"] == "job" and audit.payload["count"] == 2
    assert [p.name for p in export_dir.iterdir()] == [job.path.name], "only the job's own file stays"


def test_the_requester_is_emailed_a_link_and_nothing_else_when_it_is_ready(
        people, decisions, django_capture_on_commit_callbacks, settings):
    settings.ISG_SITE_URL = "https://isg.example.org"
    job = run_zip(client_for(people["lscb"]), "agency=north&q=NORTH", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [people["lscb"].email]
    assert message.subject == "Your export is ready to download"
    assert f"https://isg.example.org/exports/{job.public_id}/" in message.body
    for detail in ("NORTH", "north", str(decisions["consent"].public_id), "2 "):
        assert detail not in message.body, detail


def test_no_email_address_means_no_email_and_the_page_says_so(people, decisions, django_capture_on_commit_callbacks):
    people["lscb"].email = ""
    people["lscb"].save()
    client = client_for(people["lscb"])
    job = run_zip(client, "", django_capture_on_commit_callbacks)
    assert job.status == "done" and mail.outbox == []
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.QUEUED)
    assert "no email address on your account" in client.get(f"/exports/{job.public_id}/").content.decode()


def test_a_failed_render_fails_the_job_records_nothing_and_says_so_by_email(
        people, decisions, monkeypatch, export_dir, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise pdf.RenderFailed("no fonts")

    monkeypatch.setattr(pdf, "render_decision_pdf", broken)
    client = client_for(people["lscb"])
    job = run_zip(client, "", django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.file_name == "" and list(export_dir.iterdir()) == []
    assert "could not be made" in client.get(f"/exports/{job.public_id}/").content.decode()
    assert not DecisionEvent.objects.filter(kind="exported").exists()
    assert not AuditEvent.objects.filter(subject_type="export").exists()
    (message,) = mail.outbox
    assert message.subject == "Your export could not be made" and f"/exports/{job.public_id}/" in message.body


def test_case_references_become_safe_unique_file_names(people, django_capture_on_commit_callbacks):
    references = ("CASE-123", "case-123", "CASE/123", '=HYPERLINK("http://x")', "../../etc", "***", "CASE-123-2")
    for reference in references:
        make_decision(people["pat"], "outcome_do_not_share", submit=True, case_reference=reference)
    client = client_for(people["lscb"])
    job = run_zip(client, "", django_capture_on_commit_callbacks)
    archive = archive_of(client, job)
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    files = [row["file"] for row in rows]
    assert sorted(archive.namelist()) == sorted([*files, "manifest.csv"])
    assert len({name.lower() for name in files}) == len(files) == len(references)  # unique, even unpacked on Windows
    by_reference = {row["case_reference"]: row["file"] for row in rows}
    assert by_reference["'=HYPERLINK(\"http://x\")"] == "HYPERLINK-http-x.pdf"  # the manifest's cell is neutralised
    assert by_reference["***"] == "record.pdf" and by_reference["../../etc"] == "etc.pdf"
    for reference in ("CASE-123", "case-123", "CASE/123", "CASE-123-2"):
        name = by_reference[reference]
        assert name.lower().startswith("case-123") and name.endswith(".pdf") and "/" not in name


def test_pdf_names():
    names = services.PdfNames()

    def named(reference):
        return names.name_for(SimpleNamespace(case_reference=reference))

    assert [named("CASE-123"), named("CASE-123"), named("case-123"), named("CASE-123-2"), named("")] == [
        "CASE-123.pdf", "CASE-123-2.pdf", "case-123-3.pdf", "CASE-123-2-2.pdf", "record.pdf"]


def test_the_worker_renders_one_record_at_a_time_in_the_registers_order(people, decisions, monkeypatch):
    seen = []
    real = pdf.render_decision_pdf

    def spy(decision, **kwargs):
        seen.append(decision.case_reference)
        return real(decision, **kwargs)

    monkeypatch.setattr(pdf, "render_decision_pdf", spy)
    post_export(client_for(people["lscb"]), "zip")
    job = ExportJob.objects.get()
    assert run_export_job.call(job.pk) == "done"
    expected = list(Decision.objects.exclude(status=Decision.Status.DRAFT).order_by("-submitted_at", "-id")
                    .values_list("case_reference", flat=True))
    assert sorted(seen) == sorted(expected) and len(seen) == 4
