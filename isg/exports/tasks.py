"""Export jobs run by the task worker (`manage.py db_worker`), never inside a request, and the email
that tells the requester their file is ready (or could not be made).

The email holds a link to the job's page and nothing else: no filter, no count, no case details.
Only the requester can open that page, after signing in, until the file expires.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

logger = logging.getLogger(__name__)

# job status -> (subject, first line)
FINISHED_MESSAGES = {
    "done": ("Your export is ready to download", "The export you asked for in the Information Sharing Guide is ready."),
    "failed": ("Your export could not be made", "The export you asked for in the Information Sharing Guide could "
               "not be made. Nothing was exported. You can try again from the register."),
}


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


@task
def send_export_finished(job_id: int) -> int:
    """Email the requester a link to a finished job's page; returns how many emails went (0 when the
    person has no address, is no longer active, or the job has not finished)."""
    from .models import ExportJob

    job = ExportJob.objects.select_related("requester").filter(pk=job_id).first()
    if job is None or job.status not in FINISHED_MESSAGES:
        return 0
    requester = job.requester
    if not (requester.is_active and requester.email):
        logger.warning("export email not sent: user %s has no active email address", requester.pk)
        return 0
    subject, first_line = FINISHED_MESSAGES[job.status]
    link = settings.ISG_SITE_URL + reverse("exports:job", args=[job.public_id])
    body = (
        f"{first_line}\n\n"
        f"Sign in to see it:\n{link}\n\n"
        "Only you can open this link. This email holds no details of the export on purpose. "
        "If you did not ask for an export, tell your system administrator.\n"
    )
    return send_mail(subject, body, None, [requester.email])
