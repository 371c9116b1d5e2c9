"""From verified claims to an ISG account: find it by (issuer, subject), refresh role and agency
from the provider's groups, or refuse; every outcome on the audit chain.

The provider is the source of truth for role and agency: they are set again at every sign-in.
Nothing here links a provider identity to an existing local account (by email or username):
the first sign-in of an identity always makes a new account with an unusable password.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.accounts.models import User
from isg.agencies.models import Agency
from isg.audit import services as audit
from isg.audit.models import AuditEvent

from . import config
from .models import SSOIdentity

logger = logging.getLogger("isg.sso")

# Reason codes: on the audit chain, in the log, and choosing the refusal page's words.
NOT_SET_UP = {"unmapped", "unknown_agency", "ambiguous_agency"}  # the provider account gives no ISG place
INACTIVE = "inactive"  # the ISG account is switched off
FAILED = {"bad_token", "provider_error", "identity_mismatch", "cancelled", "state"}  # the exchange itself failed


class Refused(Exception):
    """Single sign-on said no. `reason` is one of the codes above; `user` the ISG account, if any."""

    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class Place:
    """What the claims give in ISG."""

    role: str
    agency: Agency | None


def identity_ref(issuer: str, subject: str) -> str:
    """A stable, non-reversible id for an identity with no account (audit subject, log lines)."""
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def groups_from(claims: dict) -> set[str]:
    value = claims.get(config.groups_claim())
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {g for g in value if isinstance(g, str)}
    return set()


def place_for(claims: dict) -> Place:
    """The role and agency the claims map to, or Refused("unmapped" / "ambiguous_agency" / "unknown_agency")."""
    try:
        rules = config.group_map()
    except ImproperlyConfigured as exc:
        logger.error("sso: %s", exc)  # `manage.py check` reports it too
        raise Refused("unmapped") from None
    groups = groups_from(claims)
    matched = [rule for rule in rules if rule.group in groups]
    role = next((rule.role for rule in matched if rule.role), None)
    slugs = {rule.agency for rule in matched if rule.agency}
    if role is None:
        raise Refused("unmapped")
    if len(slugs) > 1:
        # Agency decides whose records a person sees: never guess between two.
        raise Refused("ambiguous_agency")
    agency = None
    if slugs:
        slug = slugs.pop()
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            logger.error("sso: ISG_OIDC_GROUP_MAP names agency %r, which does not exist", slug)
            raise Refused("unknown_agency")
    if agency is None and role in (User.Role.PRACTITIONER, User.Role.LINE_MANAGER):
        raise Refused("unmapped")  # decisions and approvals belong to an agency
    return Place(role=role, agency=agency)


def _text(claims: dict, name: str, limit: int) -> str:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _apply_claims(user: User, claims: dict, place: Place) -> None:
    user.role = place.role
    user.agency = place.agency
    # Never staff from single sign-on: Django's admin is for local accounts with a second factor.
    user.is_staff = user.is_superuser = False
    first, last = _text(claims, "given_name", 150), _text(claims, "family_name", 150)
    if not (first or last):
        first = _text(claims, "name", 150)
    user.first_name, user.last_name = first, last
    # Kept for notification emails only; never used to find or link an account.
    email = _text(claims, "email", 254)
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    user.email = email


def _new_username(issuer: str, subject: str) -> str:
    """`sso-` and a hash of the identity: unique, stable, and never a name somebody chose."""
    base = f"sso-{identity_ref(issuer, subject)[:12]}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def sign_in(*, issuer: str, subject: str, claims: dict) -> User:
    """The ISG account for verified claims, refreshed; or Refused. Audited either way."""
    try:
        try:
            return _sign_in(issuer, subject, claims)
        except IntegrityError:
            # Two first sign-ins of one identity at once: the other made the account; use it.
            return _sign_in(issuer, subject, claims)
    except Refused as refused:
        record_refusal(refused.reason, user=refused.user, issuer=issuer, subject=subject)
        raise


def _sign_in(issuer: str, subject: str, claims: dict) -> User:
    with transaction.atomic():
        identity = (SSOIdentity.objects.select_for_update().select_related("user")
                    .filter(issuer=issuer, subject=subject).first())
        user = identity.user if identity else None
        if user is not None and not user.is_active:
            raise Refused(INACTIVE, user)
        try:
            place = place_for(claims)
        except Refused as refused:
            raise Refused(refused.reason, user) from None
        created = user is None
        if created:
            user = User(username=_new_username(issuer, subject))
            user.set_unusable_password()
        _apply_claims(user, claims, place)
        user.save()
        now = timezone.now()
        if created:
            identity = SSOIdentity.objects.create(user=user, issuer=issuer, subject=subject, last_login_at=now)
        else:
            identity.last_login_at = now
            identity.save(update_fields=["last_login_at"])
        audit.append(
            actor=user, action=AuditEvent.Action.SSO_SIGNED_IN, subject_type="user", subject_id=str(user.pk),
            payload={"created": created, "role": place.role, "agency": place.agency.pk if place.agency else None},
        )
    logger.info("sso: signed in user %s (%s)", user.pk, "new" if created else "known")
    return user


def record_refusal(reason: str, *, user: User | None = None, issuer: str = "", subject: str = "") -> None:
    """A refused single sign-on on the audit chain: the account's id if there is one, else a hash."""
    if user is not None and user.pk is not None:
        subject_type, subject_id = "user", str(user.pk)
    elif issuer and subject:
        subject_type, subject_id = "sso_identity", identity_ref(issuer, subject)
    else:
        subject_type, subject_id = "sso_identity", "unverified"  # the provider's answer was not trusted
    audit.append(actor=None, action=AuditEvent.Action.SSO_REFUSED, subject_type=subject_type,
                 subject_id=subject_id, payload={"reason": reason})
    logger.warning("sso: refused (%s) %s %s", reason, subject_type, subject_id)
