"""Asking for a password reset link: sent by the task worker, and rate limited.

The reset page answers every request the same way (“Check your email”), whether or not the address
belongs to an account and whether or not anything is sent, so it never tells anyone who has an account
(reliability.md AU-8). Behind that answer:

- the email is queued for the task worker (tasks.send_password_reset), never sent in the request;
- per account: at most `ISG_PASSWORD_RESET_LIMIT_ACCOUNT` links in `ISG_PASSWORD_RESET_WINDOW_MINUTES`,
  so nobody can fill a person's inbox;
- per client address (isg.accounts.lockout.client_ip: the proxy-aware one sign-in throttling uses): at
  most `ISG_PASSWORD_RESET_LIMIT_ADDRESS` requests in the window, whatever addresses they ask about, so
  nobody can work through a list of addresses (or of people's inboxes) from one place.

Over a limit nothing is sent, a warning is logged, and the first refusal in the window for that account
or client address is audited (`password_reset_throttled`, reason `account` or `address`; later ones are
only logged, so a script cannot fill the audit chain). Each link sent is audited (`password_reset_sent`).
Requests are kept for a day (PasswordResetRequest), without the address that was typed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import PasswordResetRequest, User

logger = logging.getLogger("isg.accounts.password_reset")

Outcome = PasswordResetRequest.Outcome
KEEP_FOR = timedelta(days=1)


def window() -> timedelta:
    return timedelta(minutes=float(settings.ISG_PASSWORD_RESET_WINDOW_MINUTES))


def accounts_for(email: str) -> list[User]:
    """Active accounts with a usable password and this address (Django's own rule for reset links)."""
    return list(PasswordResetForm().get_users(email))


def password_reset_request(*, email: str, ip: str | None) -> list[str]:
    """Queue a reset link for each account with this address, within the limits; returns the outcomes
    (for tests and logs; the page shows none of them)."""
    now = timezone.now()
    since = now - window()
    with transaction.atomic():
        PasswordResetRequest.objects.filter(at__lt=now - max(KEEP_FOR, window())).delete()
        recent = PasswordResetRequest.objects.filter(at__gte=since)
        from_here = recent.filter(ip=ip) if ip else recent.filter(ip__isnull=True)
        if from_here.exclude(outcome=Outcome.THROTTLED_ADDRESS).count() >= settings.ISG_PASSWORD_RESET_LIMIT_ADDRESS:
            first = not from_here.filter(outcome=Outcome.THROTTLED_ADDRESS).exists()
            PasswordResetRequest.objects.create(at=now, ip=ip, outcome=Outcome.THROTTLED_ADDRESS)
            logger.warning("password reset: too many requests from one client address; nothing sent")
            if first:
                audit.append(actor=None, action=AuditEvent.Action.PASSWORD_RESET_THROTTLED, subject_type="client",
                             subject_id=ip or "unknown", payload={"reason": "address", "ip": ip})
            return [Outcome.THROTTLED_ADDRESS]
        users = accounts_for(email)
        if not users:
            PasswordResetRequest.objects.create(at=now, ip=ip, outcome=Outcome.UNKNOWN)
            return [Outcome.UNKNOWN]
        return [_for_account(user, ip=ip, now=now, recent=recent) for user in users]


def _for_account(user: User, *, ip: str | None, now, recent) -> str:
    from .tasks import send_password_reset

    theirs = recent.filter(user=user)
    if theirs.filter(outcome=Outcome.SENT).count() >= settings.ISG_PASSWORD_RESET_LIMIT_ACCOUNT:
        first = not theirs.filter(outcome=Outcome.THROTTLED_ACCOUNT).exists()
        PasswordResetRequest.objects.create(at=now, ip=ip, user=user, outcome=Outcome.THROTTLED_ACCOUNT)
        logger.warning("password reset: too many links for user %s; nothing sent", user.pk)
        if first:
            audit.append(actor=None, action=AuditEvent.Action.PASSWORD_RESET_THROTTLED, subject_type="user",
                         subject_id=str(user.pk), payload={"reason": "account", "ip": ip})
        return Outcome.THROTTLED_ACCOUNT
    PasswordResetRequest.objects.create(at=now, ip=ip, user=user, outcome=Outcome.SENT)
    audit.append(actor=None, action=AuditEvent.Action.PASSWORD_RESET_SENT, subject_type="user",
                 subject_id=str(user.pk), payload={"ip": ip})
    # Queued in this transaction: the worker sends it once the request is committed.
    send_password_reset.enqueue(user.pk)
    return Outcome.SENT
