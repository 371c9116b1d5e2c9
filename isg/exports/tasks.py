"""Export jobs run by the task worker (`manage.py db_worker`), never inside a request."""

from __future__ import annotations

from django.tasks import task


@task
def run_export_job(job_id: int) -> str:
    """Make one job's file (isg.exports.services.run_job); returns the job's final status."""
    from .services import run_job

    return run_job(job_id)


@task
def purge_expired_exports() -> int:
    """Delete expired exports' files (queued for each job's expiry time where the backend can defer)."""
    from .services import purge_expired

    return purge_expired()
