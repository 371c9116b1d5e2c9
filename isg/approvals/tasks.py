"""Mail about approvals, sent by the task worker (`manage.py db_worker`), never inside a request.

Each email holds a link and nothing else: no names, no case reference, no summary. Whoever
follows the link signs in and sees only what the access rules allow them.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

logger = logging.getLogger(__name__)

# kind -> (subject, first line, the page the link opens)
MESSAGES = {
    "submitted": ("A decision is waiting for your approval",
                  "A decision has been submitted for your approval.", "approvals:decide"),
    "resubmitted": ("A decision is waiting for your approval again",
                    "A decision you returned has been answered and submitted again.", "approvals:decide"),
    "escalated": ("A decision has been escalated to you",
                  "A decision that is still open has been escalated to you.", "approvals:decide"),
    "returned": ("Your decision was returned with a question",
                 "Your approver returned a decision with a question for you.", "decisions:outcome"),
    "approved": ("Your decision was approved", "Your approver has decided on a decision.", "decisions:outcome"),
    "not_approved": ("Your decision was not approved", "Your approver has decided on a decision.",
                     "decisions:outcome"),
    "overdue": ("A decision is overdue for approval and has come to you",
                "A decision waiting for approval or review was not dealt with in time and has been escalated to you.",
                "approvals:decide"),
    "review": ("Information has been shared: please review it today",
               "A practitioner has shared information without consent to protect someone, as the guidance says "
               "they should without waiting. Please review the decision today.", "approvals:decide"),
    "escalated_up": ("A decision has been escalated to you",
                     "An approver did not agree to a decision where the risk of harm is serious, and it has come "
                     "to you as the next approver.", "approvals:decide"),
    "referred_up": ("Your decision has gone to the next approver",
                    "Your approver did not agree, so your decision has gone to the next approver. You may still "
                    "refer to children's or adults' social care yourself.", "decisions:outcome"),
    "agreed": ("Your sharing was reviewed", "Your approver has reviewed a decision.", "decisions:outcome"),
    "disagreed": ("Your sharing was reviewed", "Your approver has reviewed a decision.", "decisions:outcome"),
    "withdrawn": ("A decision sent to you has been withdrawn",
                  "A decision that was with you has been withdrawn by the person who made it, before anything was "
                  "shared. There is nothing for you to do; it is no longer in your approvals.", "decisions:outcome"),
    "breach_assessment": ("A possible personal data breach needs your assessment",
                          "An approver disagreed with information already shared. Please assess it as a possible "
                          "personal data breach within 72 hours.", "decisions:outcome"),
}


def link(kind: str, public_id: str) -> str:
    return settings.ISG_SITE_URL + reverse(MESSAGES[kind][2], args=[public_id])


@task
def send_notification(kind: str, recipient_id: int, public_id: str) -> int:
    """Send one notification; returns how many emails went (0 when the person has no address)."""
    from isg.accounts.models import User

    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None or not recipient.email:
        logger.warning("approval notification %s not sent: user %s has no active email address", kind, recipient_id)
        return 0
    subject, first_line, _ = MESSAGES[kind]
    body = (
        f"{first_line}\n\n"
        f"Sign in to the Information Sharing Guide to see it:\n{link(kind, public_id)}\n\n"
        "This email holds no details of the decision on purpose. If you were not expecting it, "
        "tell your line manager.\n"
    )
    return send_mail(subject, body, None, [recipient.email])


@task
def check_overdue(approval_id: int) -> int:
    """Run at an approval's due time: escalate it if it is still waiting."""
    from .services import escalate_overdue

    return escalate_overdue(approval_ids=[approval_id])


def schedule_overdue_check(approval_id: int, due_at: datetime.datetime) -> None:
    """Queue `check_overdue` for the due time, where the task backend can defer.

    A backend that runs tasks at once (tests) cannot; `manage.py approvals escalate-overdue`
    does the same sweep and is safe to run as often as wanted.
    """
    if check_overdue.get_backend().supports_defer:
        check_overdue.using(run_after=due_at + datetime.timedelta(seconds=1)).enqueue(approval_id)
