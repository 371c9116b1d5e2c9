"""Over the limit: a job run by the task worker, its progress page, its download, its expiry."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from isg.audit.models import AuditEvent
from isg.decisions.models import DecisionEvent
from isg.exports import services
from isg.exports.models import ExportJob
from isg.exports.tasks import run_export_job

from .conftest import body, client_for, post_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings):
    settings.ISG_EXPORT_SYNC_LIMIT = {"csv": 1, "zip": 1}


def start(client, kind, query, capture):
    """Post the export; the job is queued on commit and (immediate backend) run there and then."""
    with capture(execute=True):
        response = post_export(client, kind, query)
    assert response.status_code == 302, response
    job = ExportJob.objects.get()
    assert response["Location"] == f"/exports/{job.public_id}/"
    job.refresh_from_db()
    return job


def test_over_the_limit_a_csv_job_runs_and_the_page_offers_the_download(
        people, decisions, small_limits, django_capture_on_commit_callbacks, export_dir):
    client = client_for(people["lscb"])
    job = start(client, "csv", "agency=north", django_capture_on_commit_callbacks)
    assert job.status == "done" and job.requester == people["lscb"] and job.query == "agency=north"
    assert job.done == job.total == 2 and job.size > 0 and len(job.sha256) == 64
    assert job.path.parent == export_dir and job.path.is_file()
    assert abs(job.expires_at - job.created_at - datetime.timedelta(hours=24)) < datetime.timedelta(seconds=5)

    page = client.get(f"/exports/{job.public_id}/").content.decode()
    assert "Your export is ready" in page and f"/exports/{job.public_id}/download" in page
    assert "hx-trigger" not in page, "a finished job stops polling"

    download = client.get(f"/exports/{job.public_id}/download")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(body(download).decode("utf-8-sig"))))
    assert {r["case_reference"] for r in rows} == {"NORTH-1", "NORTH-2"}

    event = AuditEvent.objects.filter(subject_type="export").get()
    assert event.subject_id == str(job.public_id) and event.payload["mode"] == "job"
    assert event.payload["count"] == 2 and event.payload["sha256"] == job.sha256
    # The worker emails the requester a link to the job's page, as for a ZIP.
    (message,) = mail.outbox
    assert message.to == ["lscb@example.org"] and f"/exports/{job.public_id}/" in message.body


def test_over_the_limit_a_zip_job_writes_pdfs_manifest_and_history(
        people, decisions, small_limits, django_capture_on_commit_callbacks):
    client = client_for(people["lscb"])
    job = start(client, "zip", "", django_capture_on_commit_callbacks)
    assert job.status == "done" and job.total == 4
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(f"/exports/{job.public_id}/download"))))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 4 and "manifest.csv" in archive.namelist()
    exported = DecisionEvent.objects.filter(kind="exported", payload__export=str(job.public_id))
    assert exported.count() == 4
    assert AuditEvent.objects.filter(subject_type="export", subject_id=str(job.public_id)).count() == 1
    call_command("audit", "verify")  # the chain still holds


def test_a_queued_job_shows_progress_and_polls_with_htmx_and_a_refresh_link(people, decisions, small_limits):
    client = client_for(people["lscb"])
    response = post_export(client, "csv")  # no commit in this test's transaction: the job stays queued
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == "queued"
    page = client.get(f"/exports/{job.public_id}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'id="export-refresh"' in page
    assert "refresh it" in page and "<meta http-equiv" not in page and "<script>" not in page
    fragment = client.get(f"/exports/{job.public_id}/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="export-progress"') and "<html" not in fragment
    # Not downloadable until done.
    assert client.get(f"/exports/{job.public_id}/download").status_code == 409
    # The worker runs it; the fragment then says done and stops polling.
    assert run_export_job.call(job.pk) == "done"
    fragment = client.get(f"/exports/{job.public_id}/", headers={"HX-Request": "true"}).content.decode()
    assert "Your export is ready" in fragment and "hx-trigger" not in fragment


def test_running_a_job_twice_makes_it_once(people, decisions, small_limits):
    post_export(client_for(people["lscb"]), "csv")
    job = ExportJob.objects.get()
    assert services.run_job(job.pk) == "done"
    assert services.run_job(job.pk) == "done"
    assert AuditEvent.objects.filter(subject_type="export").count() == 1


@pytest.mark.parametrize("other", ["lscb2", "manager", "manager2"])
def test_only_the_requester_can_see_or_download_a_job(
        people, decisions, small_limits, django_capture_on_commit_callbacks, other):
    job = start(client_for(people["lscb"]), "csv", "", django_capture_on_commit_callbacks)
    client = client_for(people[other])
    assert client.get(f"/exports/{job.public_id}/").status_code == 404
    assert client.get(f"/exports/{job.public_id}/", headers={"HX-Request": "true"}).status_code == 404
    assert client.get(f"/exports/{job.public_id}/download").status_code == 404


@pytest.mark.parametrize("role", ["pat", "trainer", "admin"])
def test_other_roles_cannot_reach_a_job(people, decisions, small_limits, django_capture_on_commit_callbacks, role):
    job = start(client_for(people["lscb"]), "csv", "", django_capture_on_commit_callbacks)
    assert client_for(people[role]).get(f"/exports/{job.public_id}/download").status_code == 403


def test_an_expired_job_is_gone_with_a_clear_page(
        people, decisions, small_limits, django_capture_on_commit_callbacks):
    client = client_for(people["lscb"])
    job = start(client, "csv", "", django_capture_on_commit_callbacks)
    path = job.path
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    # Past its time, it is not served even before the purge runs.
    response = client.get(f"/exports/{job.public_id}/download")
    assert response.status_code == 410 and "This export has expired" in response.content.decode()
    out = io.StringIO()
    call_command("exports", "purge-expired", stdout=out)
    assert out.getvalue().strip() == "1 expired export purged"
    job.refresh_from_db()
    assert job.status == "expired" and job.file_name == "" and not path.exists()
    page = client.get(f"/exports/{job.public_id}/")
    assert page.status_code == 200 and "This export has expired" in page.content.decode()
    assert client.get(f"/exports/{job.public_id}/download").status_code == 410
    call_command("exports", "purge-expired", stdout=io.StringIO())  # again: nothing more to do


def test_a_job_whose_render_fails_is_marked_failed_with_no_file(
        people, decisions, small_limits, django_capture_on_commit_callbacks, monkeypatch, export_dir):
    from isg.records import pdf

    def broken(*args, **kwargs):
        raise pdf.RenderFailed("no fonts")

    monkeypatch.setattr(pdf, "render_decision_pdf", broken)
    job = start(client_for(people["lscb"]), "zip", "", django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.file_name == ""
    assert list(export_dir.iterdir()) == []
    assert "could not be made" in client_for(people["lscb"]).get(f"/exports/{job.public_id}/").content.decode()
    assert not AuditEvent.objects.filter(subject_type="export").exists()


def test_the_job_rechecks_who_may_see_what_when_it_runs(people, decisions, small_limits):
    """A manager deactivated after asking gets an export of nothing."""
    post_export(client_for(people["manager"]), "csv")
    job = ExportJob.objects.get()
    people["manager"].is_active = False
    people["manager"].save()
    assert services.run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.total == 0


def test_the_register_offers_both_exports_with_its_filter(people, decisions):
    text = client_for(people["lscb"]).get("/register/?agency=north").content.decode()
    assert 'action="/exports/csv/"' in text and 'action="/exports/zip/"' in text
    assert 'name="filter" value="agency=north"' in text
    assert "Export as CSV" in text and "Download PDFs as ZIP" in text


def test_anonymous_is_sent_to_sign_in(decisions):
    response = Client().get("/exports/csv/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
