"""Run what the schedule says is due, each slot once.

    run_due(now=None) -> [Run, ...]   # the runs this call made (others' claims are skipped)

For each job in isg/housekeeping/schedule.py JOBS, the due slot is `job.slot(now)`. A run claims
it by inserting the (job, slot) row, committed on its own before the job starts: the unique
constraint lets one caller win and every other (a second worker, `manage.py housekeeping run-due`
by hand, a retry) skip it. The job then runs; the row records when it finished, its counts, or the
exception's type if it failed. A failed slot is not retried: the next slot runs as usual, and the
failure is logged and on the audit chain for an alert. A worker killed mid-job leaves its row
"running"; the next slot runs.

Each run is on the audit chain: housekeeping_started, then housekeeping_finished (counts) or
housekeeping_failed (exception type). Subject ("housekeeping", job name); never personal data.
"""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import Run
from .schedule import JOBS, Job

logger = logging.getLogger("isg.housekeeping")
Action = AuditEvent.Action


def due(now: datetime.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[tuple[Job, datetime.datetime]]:
    """(job, slot) for every job whose newest slot has no run yet."""
    now = now or timezone.now()
    slots = [(job, job.slot(now)) for job in jobs]
    claimed = set(Run.objects.filter(job__in=[j.name for j in jobs], slot__in=[s for _, s in slots])
                  .values_list("job", "slot"))
    return [(job, slot) for job, slot in slots if (job.name, slot) not in claimed]


def claim(job: Job, slot: datetime.datetime, now: datetime.datetime) -> Run | None:
    """The run for this slot if this caller won it; None if another already has it."""
    try:
        with transaction.atomic():
            run = Run.objects.create(job=job.name, slot=slot, started_at=now)
            audit.append(actor=None, action=Action.HOUSEKEEPING_STARTED, subject_type="housekeeping",
                         subject_id=job.name, payload={"run": run.pk, "slot": slot.isoformat()})
    except IntegrityError:
        return None
    return run


def run_job(job: Job, run: Run, now: datetime.datetime) -> Run:
    try:
        counts = {key: int(value) for key, value in job.function()(now).items()}
    except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others or the worker
        logger.exception("housekeeping job %s failed", job.name)
        run.outcome, run.error, run.finished_at = Run.Outcome.FAILED, type(exc).__name__[:100], timezone.now()
        run.save(update_fields=["outcome", "error", "finished_at"])
        audit.append(actor=None, action=Action.HOUSEKEEPING_FAILED, subject_type="housekeeping",
                     subject_id=job.name, payload={"run": run.pk, "slot": run.slot.isoformat(), "error": run.error})
        return run
    run.outcome, run.counts, run.finished_at = Run.Outcome.DONE, counts, timezone.now()
    run.save(update_fields=["outcome", "counts", "finished_at"])
    audit.append(actor=None, action=Action.HOUSEKEEPING_FINISHED, subject_type="housekeeping",
                 subject_id=job.name, payload={"run": run.pk, "slot": run.slot.isoformat(), "counts": counts})
    logger.info("housekeeping job %s done: %s", job.name, counts)
    return run


def run_due(now: datetime.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[Run]:
    now = now or timezone.now()
    runs = []
    for job, slot in due(now, jobs):
        run = claim(job, slot, now)
        if run is not None:
            runs.append(run_job(job, run, now))
    return runs
