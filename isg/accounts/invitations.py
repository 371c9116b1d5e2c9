"""Invitations: an administrator makes an account and never knows its password.

`invite` makes the account with no usable password and queues an email (sent by the task worker,
tasks.py) with a one-time link. Following the link (invitation_views.py), the person chooses their own
password with Django's validators, is signed in, and, if their role needs a second factor, sets up an
authenticator app before anything else (TwoFactorMiddleware). The link works once, for
`ISG_INVITATION_EXPIRY_HOURS` (72 by default), and stops working when a newer invitation replaces it.

No secret is ever stored or queued: the worker makes the link's token when it sends the email and
keeps only its SHA-256. The audit chain records each invitation sent (`invitation_sent`), accepted
(`invitation_accepted`) and the first use of a link that no longer works (`invitation_refused`); ids
and reason codes only.

Called by `manage.py invite`, the People pages ("Invite someone", a person's "Send a new invitation",
the import from a file: people_views.py, people_import.py) and the Django admin's "Send a new invitation".
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from isg.agencies.models import Agency
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.lib.text import validate_one_line_plain_text

from . import access_changes
from .line_management import AGENCY_ROLES, OPTIONAL_AGENCY_ROLES, check_line_manager
from .models import Invitation, User
from .usernames import normalise_username, validate_username

logger = logging.getLogger("isg.accounts.invitations")

SUBJECT_TYPE = "user"
NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length
USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length
_NOT_IN_USERNAMES = re.compile(r"[^\w.@+-]")

Refusal = Literal["unknown", "used", "replaced", "expired", "withdrawn"]


def expiry() -> timedelta:
    return timedelta(hours=float(settings.ISG_INVITATION_EXPIRY_HOURS))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- inviting ----------------------------------------------------------------------------------------


def invite(
    *,
    email: str,
    name: str,
    role: str,
    agency: Agency | None = None,
    line_manager: User | None = None,
    invited_by: User | None,
    username: str | None = None,
) -> Invitation:
    """Make an account for `email` and queue its invitation; return the invitation.

    - `name`: the person's full name; the last word is stored as the last name ("Mary Ann Smith" is
      "Mary Ann" and "Smith"), a single word as the first name.
    - `role`: a `User.Role` value. Practitioners and line managers need an `agency`; a practitioner's
      or line manager's `line_manager` must be an active line manager of the same agency (unless
      `ISG_CROSS_AGENCY_LINE_MANAGEMENT` allows another: line_management.py). Others have neither.
      Nobody invited is Django staff or a superuser: administrators use ISG's own People pages, and
      the Django admin is kept for technical superusers made on the server.
    - `username`: optional; by default the part of the address before the @, made unique. Normalised
      and checked for look-alikes (usernames.py).
    - `invited_by`: the administrator, or None for a command run on the server.

    Raises ValidationError, keyed by argument name ("email", "name", "role", "agency", "line_manager",
    "username") with a sentence for the person inviting; nothing is changed then. An address that
    already has an account is refused with code "exists" (use `invitation_resend` for someone who has
    not yet accepted).

    A role that reads case records or manages people (access_changes.GRANTING_ROLES), invited by an
    administrator, is held: the account is made switched off, with a request to switch it on that a
    second administrator or the partnership lead must confirm, and the link is sent only then
    (`send_held_invitations`). Otherwise one administrator could invite an address they control as
    partnership staff and read every decision. The returned invitation's `waits_for` names the request.
    """
    email = BaseUserManager.normalize_email((email or "").strip())
    first_name, last_name = split_name(name)
    errors: dict[str, list[ValidationError]] = {}
    try:
        role, agency, line_manager = _check_role(role, agency, line_manager)
    except ValidationError as error:
        errors.update(error.error_dict)
    _collect(errors, "email", _check_email, email)
    _collect(errors, "name", _check_name, name, first_name, last_name)
    if username:
        username = normalise_username(username)
        _collect(errors, "username", _check_username, username)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Checked again inside the transaction (on SQLite it holds the write lock from its start).
        _check_email(email)
        user = User(
            username=username or _free_username(email), email=email, first_name=first_name, last_name=last_name,
            role=role, agency=agency, line_manager=line_manager,
            # The password is not theirs until they choose one through the link (passwords.py).
            must_change_password=True,
        )
        user.set_unusable_password()
        held = invited_by is not None and role in access_changes.GRANTING_ROLES
        user.is_active = not held
        user.full_clean(exclude=["password"])
        user.save()
        if held:
            change = access_changes.access_change_request(
                person=user, changes={"is_active": [False, True]}, actor=invited_by,
            )
            return _hold(user, invited_by, change)
        return _send(user, invited_by, first=True)


def is_held(invitation: Invitation) -> bool:
    """Still waiting for the second person: not sent, and the account not yet switched on."""
    return invitation.waits_for_id is not None and invitation.sent_at is None and not invitation.user.is_active


def send_held_invitations(person: User, actor: User) -> int:
    """Once the request to switch `person` on is confirmed: send the invitation it held (a fresh one, so
    the link's hours run from now). Called inside the confirming transaction; returns how many were sent."""
    held = list(Invitation.objects.select_for_update().filter(
        user=person, waits_for__isnull=False, sent_at__isnull=True, superseded_at__isnull=True, accepted_at__isnull=True,
    ))
    if not held or person.has_usable_password():
        return 0
    Invitation.objects.filter(pk__in=[i.pk for i in held]).update(superseded_at=timezone.now())
    _send(person, held[0].invited_by or actor, first=True)
    return 1


def _hold(user: User, invited_by: User, change) -> Invitation:
    invitation = Invitation.objects.create(user=user, invited_by=invited_by, waits_for=change)
    audit.append(
        actor=invited_by, action=AuditEvent.Action.INVITATION_SENT, subject_type=SUBJECT_TYPE,
        subject_id=str(user.pk),
        payload={"invitation": invitation.pk, "role": user.role, "agency": user.agency_id, "resent": False,
                 "held_for": change.pk},
    )
    return invitation


def invitation_resend(*, user: User, invited_by: User | None) -> Invitation:
    """A new link for someone invited who has not accepted yet; their earlier links stop working.

    Raises ValidationError (code "accepted", "not_invited" or "inactive") with a sentence to show.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        invitations = Invitation.objects.filter(user=user)
        if not user.is_active:
            raise ValidationError(f"{user.username}'s account is switched off: switch it on first.", code="inactive")
        if invitations.filter(accepted_at__isnull=False).exists() or user.has_usable_password():
            raise ValidationError(
                f"{user.username} has already set up their account. If they have forgotten their password, "
                "they can reset it from the sign-in page.", code="accepted",
            )
        if not invitations.exists():
            raise ValidationError(f"{user.username} was not invited, so there is no invitation to send again.",
                                  code="not_invited")
        invitations.filter(accepted_at__isnull=True, superseded_at__isnull=True).update(superseded_at=timezone.now())
        return _send(user, invited_by, first=False)


def _send(user: User, invited_by: User | None, *, first: bool) -> Invitation:
    from .tasks import send_invitation

    invitation = Invitation.objects.create(user=user, invited_by=invited_by)
    audit.append(
        actor=invited_by, action=AuditEvent.Action.INVITATION_SENT, subject_type=SUBJECT_TYPE,
        subject_id=str(user.pk),
        payload={"invitation": invitation.pk, "role": user.role, "agency": user.agency_id, "resent": not first},
    )
    # Queued in this transaction: the worker sees it only once the account is committed.
    send_invitation.enqueue(invitation.pk)
    return invitation


def _collect(errors: dict, key: str, check, *args) -> None:
    try:
        check(*args)
    except ValidationError as error:
        errors.setdefault(key, []).extend(error.error_list)


def split_name(name: str) -> tuple[str, str]:
    """A full name as (first name, last name): the last word is the last name; one word is a first name."""
    words = (name or "").split()
    if len(words) < 2:
        return " ".join(words), ""
    return " ".join(words[:-1]), words[-1]


def _check_name(name: str, first_name: str, last_name: str) -> None:
    if not (name or "").strip():
        raise ValidationError("Enter their full name", code="required")
    validate_one_line_plain_text(name)
    if len(first_name) > NAME_MAX_LENGTH or len(last_name) > NAME_MAX_LENGTH:
        raise ValidationError(f"Their name must be {NAME_MAX_LENGTH} characters or fewer", code="max_length")


def _check_email(email: str) -> None:
    if not email:
        raise ValidationError("Enter their work email address", code="required")
    try:
        validate_one_line_plain_text(email)
        validate_email(email)
    except ValidationError:
        raise ValidationError("Enter an email address in the correct format, like name@example.org",
                              code="invalid") from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            "There is already an account with this email address. If they have not accepted their "
            "invitation, send them a new one from the list of people; if they have forgotten their "
            "password, they can reset it from the sign-in page.",
            code="exists",
        )


def _check_role(role: str, agency: Agency | None, line_manager: User | None):
    errors: dict[str, list[ValidationError]] = {}
    if role not in User.Role.values:
        errors["role"] = [ValidationError("Choose their role", code="required")]
        raise ValidationError(errors)
    role = User.Role(role)
    if role in AGENCY_ROLES:
        if agency is None:
            errors["agency"] = [ValidationError("Choose the agency they work for", code="required")]
        if line_manager is not None:
            try:
                check_line_manager(line_manager, person_pk=None, agency_id=agency.pk if agency else None)
            except ValidationError as error:
                errors["line_manager"] = error.error_list
    elif role in OPTIONAL_AGENCY_ROLES:
        line_manager = None  # a data protection officer of one agency (or, with none, of every agency)
    else:
        # Partnership staff, trainers and administrators work across agencies and manage no decisions.
        agency, line_manager = None, None
    if errors:
        raise ValidationError(errors)
    return role, agency, line_manager


def _check_username(username: str) -> None:
    if len(username) > USERNAME_MAX_LENGTH:
        raise ValidationError(f"The username must be {USERNAME_MAX_LENGTH} characters or fewer", code="max_length")
    if _NOT_IN_USERNAMES.search(username):
        raise ValidationError("Use only letters, digits and . _ - @ + in the username", code="invalid")
    if User.objects.filter(username=username).exists():
        raise ValidationError("That username is taken: choose another", code="taken")
    validate_username(username)


def _free_username(email: str) -> str:
    """The address's local part as a username, with a number added until it is free and looks like nobody's."""
    base = _NOT_IN_USERNAMES.sub("", normalise_username(email.rsplit("@", 1)[0]))[:USERNAME_MAX_LENGTH - 4] or "user"
    for n in range(1, 1000):
        candidate = base if n == 1 else f"{base}{n}"
        try:
            _check_username(candidate)
        except ValidationError as error:
            if any(e.code == "mixed_script" for e in error.error_list):
                raise ValidationError({"username": error.error_list}) from None
            continue
        return candidate
    raise ValidationError({"username": ["Choose a username for them"]})


# -- the worker sends the link -----------------------------------------------------------------------


def issue_link(invitation_id: int) -> tuple[str, str] | None:
    """Make the invitation's token now, keep its hash, and return (link, address); None when the
    invitation no longer needs sending (accepted, replaced, or the account switched off).

    Call inside the transaction that sends the email, so a failed send leaves no working link."""
    invitation = Invitation.objects.select_for_update().select_related("user").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at or invitation.superseded_at or not invitation.user.is_active:
        return None
    if not invitation.user.email:
        logger.warning("invitation %s not sent: user %s has no email address", invitation_id, invitation.user_id)
        return None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + expiry()
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    # In the query string, which the request logs leave out (isg/ops/middleware.py logs the path only).
    link = settings.ISG_SITE_URL + reverse("accounts:invitation") + "?" + urlencode({"token": token})
    return link, invitation.user.email


# -- following the link ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    invitation: Invitation | None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def check_link(token: str | None = None, *, invitation_id: int | None = None, hashed: str | None = None) -> LinkCheck:
    """Whether a link (its token, or the invitation id and token hash kept in the session) still works.

    A link that no longer works is audited once per invitation (`invitation_refused`, with the reason);
    later tries are only logged, so following an old link again and again cannot fill the chain.
    """
    hashed = token_hash(token) if token is not None else hashed
    if not hashed:
        return LinkCheck(None, "unknown")
    found = Invitation.objects.select_related("user").filter(token_hash=hashed)
    if invitation_id is not None:
        found = found.filter(pk=invitation_id)
    invitation = found.first()
    if invitation is None:
        return LinkCheck(None, "unknown")
    refusal = _refusal(invitation)
    if refusal is not None:
        _record_refusal(invitation, refusal)
    return LinkCheck(invitation, refusal)


def _refusal(invitation: Invitation) -> Refusal | None:
    if invitation.accepted_at:
        return "used"
    if invitation.superseded_at:
        return "replaced"
    if not invitation.user.is_active:
        return "withdrawn"
    if invitation.expires_at is None or invitation.expires_at <= timezone.now():
        return "expired"
    return None


def _record_refusal(invitation: Invitation, refusal: Refusal) -> None:
    with transaction.atomic():
        first = Invitation.objects.filter(pk=invitation.pk, refused_at__isnull=True).update(refused_at=timezone.now())
        if first:
            audit.append(actor=None, action=AuditEvent.Action.INVITATION_REFUSED, subject_type=SUBJECT_TYPE,
                         subject_id=str(invitation.user_id), payload={"invitation": invitation.pk, "reason": refusal})
    if not first:
        logger.info("invitation %s: link refused again (%s)", invitation.pk, refusal)


def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """The person chose their password through the link: set it, and the link stops working.

    Raises ValidationError (code "refused") if the link stopped working meanwhile; nothing changes then.
    The caller validates the password (Django's validators) and signs the person in.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
        if _refusal(invitation) is not None:
            raise ValidationError("This invitation link no longer works.", code="refused")
        user = invitation.user
        user.set_password(password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.append(actor=user, action=AuditEvent.Action.INVITATION_ACCEPTED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"invitation": invitation.pk})
    return user
