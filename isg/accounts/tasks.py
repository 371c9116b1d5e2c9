"""Account emails, sent by the task worker (`manage.py db_worker`), never inside a request.

Each holds a link and nothing else about the person: no name, no username, no role. The links' secrets
are made here, when the email is sent, so they are never queued: an invitation keeps only its token's
hash, and a reset link is Django's token (it stops working once used or after PASSWORD_RESET_TIMEOUT).
"""

from __future__ import annotations

import logging

from django.conf import settings
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


@task
def send_access_change_notice(change_id: int) -> int:
    """Tell the partnership lead(s) a change that gives access waits for confirmation (a link, no names)."""
    from django.urls import reverse

    from .access_changes import partnership_leads
    from .models import AccessChange

    change = AccessChange.objects.filter(pk=change_id, status=AccessChange.Status.WAITING).first()
    if change is None:
        return 0
    addresses = [u.email for u in partnership_leads().exclude(pk__in=[change.requested_by_id, change.person_id])
                 if u.email]
    if not addresses:
        logger.info("access change %s: no partnership lead with an address to tell", change_id)
        return 0
    link = settings.ISG_SITE_URL + reverse("changes:decide", args=[change.pk])
    body = render_to_string("accounts/email/access_change.txt", {"link": link})
    subject = "A change to someone's access is waiting for your confirmation"
    return sum(send_mail(subject, body, None, [address]) for address in addresses)


@task
def send_password_reset(user_id: int) -> int:
    """Send a password reset link (Django's token: it works once and for PASSWORD_RESET_TIMEOUT)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        logger.info("password reset for user %s not sent: no active account with a password and an address", user_id)
        return 0
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.ISG_SITE_URL + reverse("accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    body = render_to_string("registration/password_reset_email.txt", {"link": link})
    subject = render_to_string("registration/password_reset_subject.txt").strip()
    return send_mail(subject, body, None, [user.email])
