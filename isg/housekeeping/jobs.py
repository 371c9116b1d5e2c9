"""Each housekeeping job: a thin call to the app that owns the work, returning counts only.

Every function takes the run's `now` and returns {"name": int, ...}: numbers, never names or text,
because they go onto the audit chain.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("isg.housekeeping")


def escalate_overdue_approvals(now: datetime.datetime) -> dict[str, int]:
    from isg.approvals.services import escalate_overdue

    return {"escalated": escalate_overdue(now)}


def purge_expired_exports(now: datetime.datetime) -> dict[str, int]:
    from isg.exports.services import purge_expired

    return {"purged": purge_expired(now)}


def audit_anchor(now: datetime.datetime) -> dict[str, int]:
    from isg.audit.anchors import write_anchor

    anchor = write_anchor()
    return {"events": anchor.events}


def start_due_away_periods(now: datetime.datetime) -> dict[str, int]:
    from isg.approvals.handover import start_due_away_periods as start

    return {"handed_over": start(timezone.localdate(now))}


def retention_apply(now: datetime.datetime) -> dict[str, int]:
    """On PostgreSQL the app's role may not rewrite the history: this runs as the maintenance role
    (ISG_MAINTENANCE_DATABASE_URL in the worker's environment). Without it, it skips, with a
    warning each day, for a deployment that runs `manage.py retention apply` as its own job."""
    from django.db import connection

    from isg.ops.roles import maintenance_connection
    from isg.retention import services

    if connection.vendor == "postgresql" and not getattr(settings, "ISG_MAINTENANCE_DATABASE_URL", ""):
        logger.warning("retention not applied by the worker: ISG_MAINTENANCE_DATABASE_URL is not set here")
        return {"skipped": 1}
    with maintenance_connection():
        result = services.apply(now)
    return {"anonymised": result.total, "events": result.events, "amendments": result.amendments,
            "already": result.already, "held": result.held, "still_open": result.still_open}


def sign_in_log_cleanup(now: datetime.datetime) -> dict[str, int]:
    """Attempts past the cool-off no longer count towards a lockout (django-axes ignores them), so
    they go; the failure and access logs are kept ISG_SIGN_IN_LOG_DAYS for investigation."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    cooloff = get_cool_off()
    keep = now - datetime.timedelta(days=settings.ISG_SIGN_IN_LOG_DAYS)
    attempts = 0
    if cooloff is not None:  # no cool-off: attempts count until reset by hand, so they stay
        _, per_model = AccessAttempt.objects.filter(attempt_time__lt=now - cooloff).delete()
        attempts = per_model.get(AccessAttempt._meta.label, 0)
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=keep).delete()
    logs, _ = AccessLog.objects.filter(attempt_time__lt=keep).delete()
    return {"attempts": attempts, "failure_logs": failures, "access_logs": logs}


def send_digests(now: datetime.datetime) -> dict[str, int]:
    from isg.approvals.digest import send_digests as send

    summary = send(now)
    return {"sent": summary.sent, "already": summary.already, "no_address": summary.no_address}
