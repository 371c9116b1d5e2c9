"""Who chose a password: the person, or someone else who therefore knows it.

A password an administrator typed (Django admin's "set password" or "add user", `manage.py
changepassword`), or the unusable one an invitation starts with, is not the person's own: the
`must_change_password` flag is set, and `PasswordChangeMiddleware` (password_middleware.py) then lets
the session reach only the change-password page and sign-out. The person's own change (the
change-password page, a reset link, accepting an invitation) clears it.

Both write a `password_changed` audit event saying by which path (`by`); never the password.
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import User

SUBJECT_TYPE = "user"
ByOthers = Literal["admin", "command"]
ByOwner = Literal["self", "reset", "invitation"]


def password_set_by_administrator(*, user: User, actor: User | None, by: ByOthers) -> None:
    """Someone else set `user`'s password: they must choose their own at their next sign-in.

    `actor` is the administrator (None for a command run on the server). A password switched off
    (unusable) leaves nothing to change, so only the audit event is written.
    """
    must_change = user.has_usable_password()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(must_change_password=must_change)
        audit.append(actor=actor, action=AuditEvent.Action.PASSWORD_CHANGED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"by": by, "must_change": must_change})
    user.must_change_password = must_change


def password_changed_by_owner(*, user: User, by: ByOwner) -> None:
    """The person chose their own password: the flag is cleared."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        audit.append(actor=user, action=AuditEvent.Action.PASSWORD_CHANGED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"by": by, "must_change": False})
    user.must_change_password = False
