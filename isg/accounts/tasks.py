"""Account emails, sent by the task worker (`manage.py db_worker`), never inside a request.

Each holds a link and nothing else about the person: no name, no username, no role. The link's
secret is made here, when the email is sent, so it is never stored or queued (only its hash is kept).
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


@task
def send_invitation(invitation_id: int) -> int:
    """Send an invitation's one-time link; returns how many emails went (0 if it is no longer needed)."""
    from .invitations import expiry, issue_link

    with transaction.atomic():  # a failed send leaves no working link behind
        issued = issue_link(invitation_id)
        if issued is None:
            return 0
        link, address = issued
        hours = round(expiry().total_seconds() / 3600)
        body = render_to_string("accounts/email/invitation.txt", {"link": link, "hours": hours})
        subject = "Set up your Information Sharing Guide account"
        return send_mail(subject, body, None, [address])

