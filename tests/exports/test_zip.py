"""The ZIP of PDF records: one PDF per decision, a manifest, history and audit, nothing on a failure."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.http import FileResponse

from isg.audit.models import AuditEvent
from isg.decisions.models import DecisionEvent
from isg.records import pdf

from .conftest import body, client_for, post_export

pytestmark = pytest.mark.django_db


def test_a_small_zip_holds_one_pdf_per_decision_and_the_manifest(people, decisions, export_dir):
    response = post_export(client_for(people["lscb"]), "zip", "agency=north")
    assert response.status_code == 200
    assert isinstance(response, FileResponse) and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="isg-decisions-')
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    names = archive.namelist()
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == 2 and "manifest.csv" in names
    for name in pdfs:
        assert archive.read(name).startswith(b"%PDF-")
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {r["file"] for r in manifest} == set(pdfs)
    assert {r["case_reference"] for r in manifest} == {"NORTH-1", "NORTH-2"}
    # Each decision's history says it was exported in this ZIP, with its PDF's digest.
    for name in ("consent", "limited"):
        event = DecisionEvent.objects.get(decision=decisions[name], kind="exported")
        assert event.payload["container"] == "zip" and len(event.payload["sha256"]) == 64
        row = next(r for r in manifest if r["public_id"] == str(decisions[name].public_id))
        assert row["pdf_sha256"] == event.payload["sha256"]
    audit = AuditEvent.objects.filter(subject_type="export").get()
    assert audit.payload["kind"] == "zip" and audit.payload["count"] == 2
    assert list(export_dir.iterdir()) == [], "the in-request ZIP leaves no file behind"


def test_a_failed_render_makes_no_file_and_records_nothing(people, decisions, monkeypatch):
    def broken(*args, **kwargs):
        raise pdf.RenderFailed("no fonts")

    monkeypatch.setattr(pdf, "render_decision_pdf", broken)
    response = post_export(client_for(people["lscb"]), "zip")
    assert response.status_code == 503
    assert "could not be created" in response.content.decode()
    assert not DecisionEvent.objects.filter(kind="exported").exists()
    assert not AuditEvent.objects.filter(subject_type="export").exists()
