"""The daily reminder: one email a person, listing what is due from them today or overdue.

    send_digests(now=None) -> Summary(sent=2, skipped=0)

Each person with an email address and something due by the end of today (UK time) gets one
email: their open follow-ups due today or overdue (isg/followups), and, for a line manager not
away, the approvals waiting on them that are due today or overdue (isg/approvals). Never one
email per item, and never twice on one day: a DigestSent row (user, day) is claimed in the same
transaction as the send, so a second run, or a second worker, finds it and sends nothing; a mail
that fails rolls its claim back and the next run tries again.

Like the other emails, it names no case, no person and no decision: each line is what kind of
task it is and when it was due, and the links (settings.ISG_SITE_URL) open the To do and
Approvals pages, which show only what the person may see. Each send is on the audit chain
(digest_sent: the day and the counts). Run by `manage.py followups digest` and by the
housekeeping schedule (isg/housekeeping). It lives with the approvals, above the follow-ups, as it
reads both.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from isg.accounts.models import User
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.followups.models import DigestSent, FollowUp

from .models import Approval
from .services import WAITING

logger = logging.getLogger(__name__)

SUBJECT = "Reminder: things due from you in the Information Sharing Guide"


@dataclass
class Summary:
    sent: int = 0
    already: int = 0  # sent earlier today
    no_address: int = 0
    people: list[int] = field(default_factory=list)


def end_of_day(now: datetime.datetime) -> datetime.datetime:
    """Midnight at the end of `now`'s UK day."""
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(0, 0), tzinfo=timezone.get_current_timezone())


def _approvals_due(user: User, before: datetime.datetime) -> list:
    """The approvals waiting on this manager now that are due by `before` (none while they are away)."""
    if user.role != User.Role.LINE_MANAGER or user.is_away:
        return []
    return list(Approval.objects.for_manager(user).filter(decision__status__in=WAITING, due_at__lt=before)
                .order_by("due_at"))


def send_digests(now: datetime.datetime | None = None) -> Summary:
    now = now or timezone.now()
    today, before = timezone.localdate(now), end_of_day(now)
    summary = Summary()
    tasks_by_owner: dict[int, list[FollowUp]] = {}
    for task in FollowUp.objects.open().filter(owner__isnull=False, due_at__lt=before).order_by("due_at", "pk"):
        tasks_by_owner.setdefault(task.owner_id, []).append(task)
    managers = User.objects.filter(is_active=True, role=User.Role.LINE_MANAGER, is_away=False)
    candidates = User.objects.filter(is_active=True).filter(pk__in=set(tasks_by_owner) | set(managers.values_list("pk", flat=True)))
    sent_today = set(DigestSent.objects.filter(day=today).values_list("user_id", flat=True))
    for user in candidates.order_by("pk"):
        tasks = tasks_by_owner.get(user.pk, [])
        approvals = _approvals_due(user, before)
        if not tasks and not approvals:
            continue
        if user.pk in sent_today:
            summary.already += 1
            continue
        if not user.email:
            summary.no_address += 1
            logger.warning("daily reminder not sent: user %s has no email address", user.pk)
            continue
        if _send(user, today, now, tasks, approvals):
            summary.sent += 1
            summary.people.append(user.pk)
        else:
            summary.already += 1
    return summary


def _send(user: User, today: datetime.date, now: datetime.datetime, tasks: list[FollowUp], approvals: list) -> bool:
    lines = [{"label": t.get_kind_display(), "due": timezone.localtime(t.due_at), "overdue": t.due_at < now}
             for t in tasks]
    overdue_approvals = sum(1 for a in approvals if a.due_at < now)
    body = render_to_string("followups/email/digest.txt", {
        "tasks": lines, "approvals": len(approvals), "overdue_approvals": overdue_approvals,
        "todo_link": settings.ISG_SITE_URL + reverse("followups:todo"),
        "approvals_link": settings.ISG_SITE_URL + reverse("approvals:queue"),
    })
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, day=today, sent_at=now, tasks=len(tasks), approvals=len(approvals))
            audit.append(actor=None, action=AuditEvent.Action.DIGEST_SENT, subject_type="user", subject_id=str(user.pk),
                         payload={"day": today.isoformat(), "tasks": len(tasks), "approvals": len(approvals)})
            send_mail(SUBJECT, body, None, [user.email])
    except IntegrityError:
        return False  # another run sent it a moment ago
    return True
