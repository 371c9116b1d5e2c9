"""Mail about follow-ups, sent by the task worker (`manage.py db_worker`), never inside a request.

Like the approvals' emails (isg/approvals/tasks.py), it holds a link and nothing else: no names, no
case reference, no words of the task. Whoever follows it signs in and sees their own To do page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

logger = logging.getLogger(__name__)

ACTION_SUBJECT = "A follow-up action has been given to you"


@task
def send_action_notice(recipient_id: int) -> int:
    """Tell someone a colleague gave them a follow-up action; returns how many emails went (0: no address)."""
    from isg.accounts.models import User

    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None or not recipient.email:
        logger.warning("follow-up action notice not sent: user %s has no active email address", recipient_id)
        return 0
    body = (
        "A colleague has given you a follow-up action after a decision, with a date it is due by.\n\n"
        f"Sign in to the Information Sharing Guide to see it on your To do list:\n"
        f"{settings.ISG_SITE_URL}{reverse('followups:todo')}\n\n"
        "This email holds no details of the decision on purpose. If you were not expecting it, "
        "tell your line manager.\n"
    )
    return send_mail(ACTION_SUBJECT, body, None, [recipient.email])
