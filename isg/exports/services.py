"""Exports of the register's current filter: a CSV or a ZIP of PDF records, now or by the worker.

    decisions = matching(user, query)              # raises BadFilter; what the register would list
    if is_small(decisions, kind):                  # a CSV at or under settings.ISG_EXPORT_SYNC_LIMIT["csv"]
        csv_download(user, query, decisions)       # audited; the view streams the lines
    else:
        job = start_job(user, kind, query)         # an ExportJob, run by tasks.run_export_job

A ZIP of PDF records is always a job: a record takes about 0.3 s to render, so even a few would keep
a request (and a 60 s gateway) waiting; the person watches the job's progress page and gets an email
with a link when the file is ready. Only a single record's PDF is ever made in a request (isg/records).

Who may export what is the register's rule: `register_decisions(user, ...)` (isg/register), which is
`decisions_visible_to` (isg/access), asked again when the worker runs, so a job made yesterday by a
manager who has since left exports nothing they may no longer see.

Every export is audited: one `exported` audit event (subject "export") with the kind, the filter's
codes and how many decisions; a ZIP also writes an `exported` event in each decision's history once
the file is whole. The audit payload never holds free text (isg/audit): a search is kept as its
sha256, the job row keeps the words themselves until it is purged.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.flowchart.services import current_flowchart
from isg.register import search as register_search
from isg.register.filters import URL_PARAMS, RegisterFilter, RegisterFilterForm
from isg.register.services import register_decisions

from . import csv as csv_export
from .models import ExportJob

logger = logging.getLogger(__name__)

SUBJECT_TYPE = "export"
FILTER_KEYS = ("q", *URL_PARAMS)  # the register's filter, every part of it
PROGRESS_EVERY = 500  # CSV rows between progress writes: a few UPDATEs per 10,000 rows
HISTORY_BATCH = 200


class BadFilter(Exception):
    """The query string is not a filter the register would accept; `form` says why."""

    def __init__(self, form: RegisterFilterForm) -> None:
        super().__init__("invalid register filter")
        self.form = form


def clean_query(query: str) -> str:
    """Only the register's filter parameters, in a fixed order (a page cursor is not part of it)."""
    given = QueryDict(query or "")
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        values = [value for value in given.getlist(key) if value]
        if values:
            kept.setlist(key, values)  # several agencies or answers: all of them
    return kept.urlencode()


def filter_form(query: str, *, search_expired: bool = False) -> RegisterFilterForm:
    return RegisterFilterForm(QueryDict(clean_query(query)), flowchart=current_flowchart(),
                              search_expired=search_expired)


def parse_filter(query: str, *, search_expired: bool = False) -> RegisterFilter:
    """The filter `query` (search words as `q`) asks for. `search_expired`: the register's search
    token it came with no longer works (isg/register/search.py), so it is refused, not widened."""
    form = filter_form(query, search_expired=search_expired)
    if not form.is_valid():
        raise BadFilter(form)
    return form.register_filter()


def matching(user, query: str) -> QuerySet[Decision]:
    """The decisions the register shows `user` for this filter, newest first. Raises BadFilter."""
    return register_decisions(user, parse_filter(query))


# The kinds a request may make itself, up to a limit; any other kind is always made by the worker.
IN_REQUEST_KINDS = ("csv",)


def limit_for(kind: str) -> int:
    """How many decisions a request may export itself: 0 for a kind only the worker makes."""
    return int(settings.ISG_EXPORT_SYNC_LIMIT[kind]) if kind in IN_REQUEST_KINDS else 0


def count_upto(decisions: QuerySet[Decision], limit: int) -> int:
    """How many match, counting no further than limit + 1 (enough to know "over the limit")."""
    return decisions.order_by()[: limit + 1].count()


def is_small(decisions: QuerySet[Decision], kind: str) -> bool:
    return kind in IN_REQUEST_KINDS and count_upto(decisions, limit_for(kind)) <= limit_for(kind)


def audit_filter(query: str) -> dict:
    """The filter as codes for the audit chain: the search words only as the register's keyed hash
    and a word count (isg/register/search.py digest), as a register search records them. A plain
    sha256 of a name can be found by hashing a list of names."""
    params = {key: values[0] if len(values) == 1 else values for key, values in QueryDict(clean_query(query)).lists()}
    words = params.pop("q", "")
    if words:
        params["search_hmac"] = register_search.digest(words)
        params["search_words"] = register_search.word_count(words)
    return params


def _audit(user, kind: str, subject_id: str, query: str, count: int, mode: str, **extra) -> AuditEvent:
    return audit.append(
        actor=user, action=AuditEvent.Action.EXPORTED, subject_type=SUBJECT_TYPE, subject_id=subject_id,
        payload={"kind": kind, "mode": mode, "count": count, "filter": audit_filter(query), **extra},
    )


def file_name(kind: str, when: datetime.datetime | None = None) -> str:
    """The download's name: server-made, ASCII, no case details."""
    when = timezone.localtime(when or timezone.now())
    return f"isg-decisions-{when:%Y%m%d-%H%M}.{kind}"


# -- in the request ------------------------------------------------------------------------------


def csv_download(user, query: str, decisions: QuerySet[Decision]) -> Iterator[bytes]:
    """Audit a small CSV export now and hand back its bytes as a generator for the response.

    Audited before the first byte leaves: an export interrupted half-way is still on the record.
    """
    count = decisions.order_by().count()
    _audit(user, "csv", str(uuid.uuid4()), query, count, "sync")
    return csv_export.encoded(csv_export.csv_lines(decisions))


# -- by the worker -------------------------------------------------------------------------------


def start_job(user, kind: str, query: str) -> ExportJob:
    """Create the job and queue it for the worker once the row is committed."""
    from .tasks import run_export_job

    expires = timezone.now() + datetime.timedelta(hours=settings.ISG_EXPORT_EXPIRY_HOURS)
    job = ExportJob.objects.create(requester=user, kind=kind, query=clean_query(query), expires_at=expires)
    transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    return job


def job_for(user, public_id) -> ExportJob | None:
    """The job if `user` asked for it; None for anyone else (the view answers 404)."""
    if not (user.is_authenticated and user.is_active):
        return None
    return ExportJob.objects.filter(public_id=public_id, requester=user).first()


def is_expired(job: ExportJob, now: datetime.datetime | None = None) -> bool:
    return job.status == ExportJob.Status.EXPIRED or job.expires_at <= (now or timezone.now())


def run_job(job_id: int) -> str:
    """Make one job's file. Returns its final status. Safe to call twice: only a queued job starts."""
    now = timezone.now()
    started = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now,
    )
    if not started:
        return ExportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    final = _folder() / f"{job.public_id}.{job.kind}"
    partial = final.with_suffix(final.suffix + ".part")
    try:
        decisions = matching(job.requester, job.query)
        total = decisions.order_by().count()
        ExportJob.objects.filter(pk=job.pk).update(total=total)
        with open(partial, "wb") as handle:
            if job.kind == ExportJob.Kind.CSV:
                count = _write_csv(handle, decisions, job)
                exported = []
            else:
                exported = write_zip(handle, job.requester, decisions, str(job.public_id),
                                     progress=lambda done: _progress(job, done))
                count = len(exported)
            handle.flush()
            os.fsync(handle.fileno())
        digest, size = _digest(partial)
        os.replace(partial, final)  # the download never sees a half-written file
        with transaction.atomic():
            finished = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
                status=ExportJob.Status.DONE, done=count, total=count, file_name=final.name, sha256=digest,
                size=size, finished_at=timezone.now(),
            )
            if not finished:  # purged (expired) while it ran: nobody may download it now
                final.unlink(missing_ok=True)
                return ExportJob.Status.EXPIRED
            _audit(job.requester, job.kind, str(job.public_id), job.query, count, "job", sha256=digest, bytes=size)
            _history(job.requester, exported, str(job.public_id))
            _tell_requester(job)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        for path in (partial, final):
            path.unlink(missing_ok=True)
        with transaction.atomic():
            ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
            _tell_requester(job)
        return ExportJob.Status.FAILED
    _schedule_purge(job)
    return ExportJob.Status.DONE


def _tell_requester(job: ExportJob) -> None:
    """Email the requester a link to the job's page once its new status is committed (tasks.py)."""
    from .tasks import send_export_finished

    transaction.on_commit(lambda: send_export_finished.enqueue(job.pk))


def _write_csv(handle, decisions: QuerySet[Decision], job: ExportJob) -> int:
    counted = {"rows": 0}

    def progress(rows: int) -> None:
        counted["rows"] = rows
        if rows % PROGRESS_EVERY < csv_export.LINES_PER_WRITE:
            _progress(job, rows)

    for chunk in csv_export.encoded(csv_export.csv_lines(decisions, progress=progress)):
        handle.write(chunk)
    return counted["rows"]


def _progress(job: ExportJob, done: int) -> None:
    ExportJob.objects.filter(pk=job.pk).update(done=done)


# -- ZIP of PDFs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    pk: int
    sha256: str


MANIFEST_COLUMNS = ("file", "public_id", "case_reference", "agency", "status", "status_label", "outcome",
                    "outcome_title", "submitted_at", "flowchart_version", "flowchart_sha256", "pdf_sha256", "bytes")


class PdfNames:
    """Each PDF in a ZIP named by its case reference, made safe (file_stem), and unique: CASE-123.pdf,
    then CASE-123-2.pdf, ... Compared without case, as Windows and macOS unpack them."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def name_for(self, decision: Decision) -> str:
        from isg.records.pdf import file_stem

        stem = file_stem(decision.case_reference)
        name, number = f"{stem}.pdf", 1
        while name.lower() in self.used:
            number += 1
            name = f"{stem}-{number}.pdf"
        self.used.add(name.lower())
        return name


def write_zip(handle, user, decisions: QuerySet[Decision], export_id: str,
              progress: Callable[[int], None] | None = None) -> list[Exported]:
    """One PDF per decision (isg.records rendering) and manifest.csv, written into `handle`.

    Renders a decision at a time, so memory holds one PDF, never the set. Raises RenderFailed.
    The manifest is built as the PDFs go in (a row each) and added last.
    """
    import csv

    from isg.records.pdf import render_decision_pdf

    exported: list[Exported] = []
    with (tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="", dir=_folder()) as manifest,
          zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive):
        writer = csv.writer(manifest, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(MANIFEST_COLUMNS)
        rows = decisions.select_related("agency", "owner", "approval")
        names = PdfNames()
        for index, decision in enumerate(rows.iterator(chunk_size=50), start=1):
            rendered = render_decision_pdf(decision, exported_by=user)
            name = names.name_for(decision)
            archive.writestr(name, rendered.pdf)
            writer.writerow([csv_export.safe_cell(value) for value in (
                name, decision.public_id, decision.case_reference, decision.agency.name if decision.agency else "",
                decision.status, decision.get_status_display(), decision.outcome, rendered.record["outcome"]["title"],
                decision.submitted_at, decision.flowchart_version, decision.flowchart_id, rendered.sha256,
                len(rendered.pdf),
            )])
            exported.append(Exported(decision.pk, rendered.sha256))
            if progress:
                progress(index)
        manifest.seek(0)
        archive.writestr("manifest.csv", csv_export.BOM + manifest.read())
    return exported


def _history(user, exported: list[Exported], export_id: str) -> None:
    """An `exported` event in each decision's history, once the ZIP is whole."""
    for start in range(0, len(exported), HISTORY_BATCH):
        batch = exported[start:start + HISTORY_BATCH]
        digests = {item.pk: item.sha256 for item in batch}
        decisions = Decision.objects.filter(pk__in=digests).only("pk", "public_id", "revision").order_by("pk")
        history.record_many([
            history.build(decision, user, DecisionEvent.Kind.EXPORTED, format="pdf", container="zip",
                          export=export_id, sha256=digests[decision.pk])
            for decision in decisions
        ])


# -- files and expiry ------------------------------------------------------------------------------


def _folder() -> Path:
    folder = Path(settings.ISG_EXPORT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _digest(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _schedule_purge(job: ExportJob) -> None:
    """Delete the file at its expiry where the task backend can defer; `manage.py exports
    purge-expired` does the same sweep (run it from cron) and is safe to run as often as wanted."""
    from .tasks import purge_expired_exports

    backend = purge_expired_exports.get_backend()
    if backend.supports_defer:
        purge_expired_exports.using(run_after=job.expires_at + datetime.timedelta(seconds=1)).enqueue()


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete the files of jobs past their expiry and mark them expired. Returns how many."""
    now = now or timezone.now()
    count = 0
    stale = ExportJob.objects.filter(expires_at__lte=now).exclude(status=ExportJob.Status.EXPIRED)
    for job in stale.iterator():
        folder = Path(settings.ISG_EXPORT_DIR)
        for path in (job.path, folder / f"{job.public_id}.{job.kind}", folder / f"{job.public_id}.{job.kind}.part"):
            if path is not None:
                path.unlink(missing_ok=True)
        count += ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.EXPIRED).update(
            status=ExportJob.Status.EXPIRED, file_name="",
        )
    return count
