"""A second factor for local accounts: a TOTP authenticator app (django-otp), after the password.

Who: required for administrators, partnership (LSCB) staff and anyone with Django staff or
superuser rights (`required_for`); offered to everyone else on their account page. Sessions
signed in through single sign-on are exempt: the identity provider asks for its own second factor.

How a session becomes verified: the password sign-in is unchanged (axes still throttles it). Then
`TwoFactorMiddleware` (two_factor_middleware.py) sends a session that `needs_code` to the code page,
or to the set-up page when the user must have an app and has none. A correct code marks the session
with django-otp's `login` (the device id in the session; `OTPMiddleware` reads it on each request).

Guarantees django-otp gives on `TOTPDevice`, relied on here:
- a code is accepted at most once: `last_t` refuses any code of the same or an earlier 30-second step;
- wrong codes are throttled on the device (so across every server): after n wrong codes the next
  try must wait 2^(n-1) seconds. `_cap_throttle` keeps that wait under `MAX_THROTTLE_FAILURES`
  doublings, so someone who knows the password cannot lock the real user out for days.

Nothing here logs or records a code or a secret: audit payloads hold the device id and a reason code.
"""

from __future__ import annotations

import logging
import math
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import User
from .sessions import end_all_sessions, end_other_sessions

logger = logging.getLogger("isg.accounts.two_factor")

# The single sign-on backend (isg/sso): its users get their second factor from the provider.
SSO_BACKEND = "isg.sso.backend.OIDCBackend"
REQUIRED_ROLES = frozenset({User.Role.ADMIN, User.Role.PARTNERSHIP})
DEVICE_NAME = "Authenticator app"
# 2^(11-1) = 1024 seconds: the longest wait between wrong codes (about 17 minutes).
MAX_THROTTLE_FAILURES = 11
SUBJECT_TYPE = "user"
DEVICE_CHOSEN_SESSION_KEY = "isg_two_factor_chosen"  # whether a user not required to have an app has one


def required_for(user) -> bool:
    """Whether this user must use a second factor (with a local password sign-in)."""
    return bool(user.is_authenticated and (user.role in REQUIRED_ROLES or user.is_staff or user.is_superuser))


def signed_in_with_sso(request: HttpRequest) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND


def confirmed_device(user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_device(user) -> bool:
    return bool(user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def session_verified(request: HttpRequest) -> bool:
    """A correct code was given in this session (OTPMiddleware checked the device still exists)."""
    is_verified = getattr(request.user, "is_verified", None)
    if callable(is_verified):
        return bool(is_verified())
    return False


def needs_code(request: HttpRequest) -> bool:
    """Signed in with a password, and the second factor is due: a code, or setting up an app first."""
    user = request.user
    if not (user.is_authenticated and user.is_active) or signed_in_with_sso(request):
        return False
    if session_verified(request):
        return False
    if required_for(user):
        return True
    # Someone who chose an app: asked once per session and remembered there, so the pages of everyone
    # without one cost no extra query. Setting up or turning off an app here updates it; a reset by
    # an administrator ends the sessions.
    due = request.session.get(DEVICE_CHOSEN_SESSION_KEY)
    if due is None:
        due = request.session[DEVICE_CHOSEN_SESSION_KEY] = has_device(user)
    return bool(due)


# -- setting up ----------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The app being set up: an unconfirmed device, kept (so its QR code stays the same on a reload,
    in a second tab or after a wrong code) until a code confirms it.

    Every visit to the set-up page reuses it. The person's row is locked first, so two pages opened
    at once cannot each make one (and leave the first tab showing a key that will never work); any
    extra unconfirmed device left from before is removed.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        pending = list(TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk"))
        if not pending:
            return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        device, extra = pending[0], pending[1:]
        if extra:
            TOTPDevice.objects.filter(pk__in=[d.pk for d in extra]).delete()
        return device


def secret_in_groups(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (an <img>, so the strict CSP holds)."""
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c", light="#ffffff")


# -- checking a code -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeResult:
    ok: bool
    reason: str = ""  # "", "wrong" or "wait"
    retry_at: datetime | None = None

    @property
    def wait_seconds(self) -> int:
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - timezone.now()).total_seconds()))


def normalise(code: str) -> str:
    """What people type: spaces or a hyphen in the middle (apps show "123 456")."""
    return "".join(ch for ch in (code or "") if ch not in " -\u00a0")


def _cap_throttle(device: TOTPDevice) -> None:
    if device.throttling_failure_count > MAX_THROTTLE_FAILURES:
        device.throttling_failure_count = MAX_THROTTLE_FAILURES
        device.save(update_fields=["throttling_failure_count"])


def _check(device_pk: int, code: str) -> CodeResult:
    """Check a code against one device, locked for update so two tries cannot both pass or both
    slip under the throttle. The device's throttle and last_t are saved here."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device_pk)
        _cap_throttle(device)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            return CodeResult(False, "wait", (info or {}).get("locked_until"))
        if device.verify_token(code):
            return CodeResult(True)
        # verify_token counted the failure; say when the next try is allowed.
        _, info = device.verify_is_allowed()
        return CodeResult(False, "wrong", (info or {}).get("locked_until"))


def _sign_in_with(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session id for the raised privilege, as for a sign-in (session fixation).
    request.session.cycle_key()
    otp_login(request, device)


def verify(request: HttpRequest, code: str) -> CodeResult:
    """The code page: check the code against the user's app; on success the session is verified."""
    user = request.user
    device = confirmed_device(user)
    if device is None:
        return CodeResult(False, "wrong")
    code = normalise(code)
    result = _check(device.pk, code)
    if result.ok:
        device.refresh_from_db()
        _sign_in_with(request, device)
        audit.append(actor=user, action=AuditEvent.Action.OTP_VERIFIED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"device": device.pk})
    elif result.reason == "wrong":
        audit.append(actor=user, action=AuditEvent.Action.OTP_FAILED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"device": device.pk, "reason": "wrong_code"})
    else:
        # Refused unchecked while throttled: logged, not chained (a script could add one per request).
        logger.info("two-factor: code refused while throttled for user %s", user.pk)
    return result


def verify_backup_code(request: HttpRequest, text: str) -> CodeResult:
    """The code page's other way in: one of the person's backup codes (backup_codes.py), once each.

    Wrong backup codes count against the authenticator app's own throttle (its device row is locked
    while the code is checked), so guessing them is as slow as guessing the app's codes.
    """
    from . import backup_codes

    user = request.user
    device = confirmed_device(user)
    if device is None:
        return CodeResult(False, "wrong")
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        _cap_throttle(locked)
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            logger.info("two-factor: backup code refused while throttled for user %s", user.pk)
            return CodeResult(False, "wait", (info or {}).get("locked_until"))
        used = backup_codes.use(user, text)
        if used is None:
            locked.throttle_increment()
            audit.append(actor=user, action=AuditEvent.Action.OTP_FAILED, subject_type=SUBJECT_TYPE,
                         subject_id=str(user.pk), payload={"device": locked.pk, "reason": "wrong_backup_code"})
            _, info = locked.verify_is_allowed()
            return CodeResult(False, "wrong", (info or {}).get("locked_until"))
        locked.throttle_reset()
        audit.append(actor=user, action=AuditEvent.Action.BACKUP_CODE_USED, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"code": used.pk, "left": backup_codes.unused(user).count()})
    # The session counts as verified by the person's second factor, as after a code from the app.
    _sign_in_with(request, locked)
    return CodeResult(True)


def confirm_setup(request: HttpRequest, device: TOTPDevice, code: str) -> CodeResult:
    """The set-up page: a correct code from the new app confirms it, replaces any earlier app, and
    verifies this session."""
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        return CodeResult(False, "wrong")
    result = _check(device.pk, normalise(code))
    if not result.ok:
        return result
    with transaction.atomic():
        replaced = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", flat=True))
        TOTPDevice.objects.filter(pk__in=replaced).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        audit.append(actor=user, action=AuditEvent.Action.OTP_DEVICE_SET_UP, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"device": device.pk, "replaced": replaced})
    device.refresh_from_db()
    _sign_in_with(request, device)
    request.session[DEVICE_CHOSEN_SESSION_KEY] = True
    # A new app is a new credential: any other session (perhaps one that set up the old app, or a
    # stolen one) ends; this one, just verified by the new app, goes on (ASVS 7.4.3).
    ended = end_other_sessions(request)
    if ended:
        logger.info("two-factor: set-up ended %s other session(s) of user %s", ended, user.pk)
    return result


# -- turning off and resetting -------------------------------------------------------------------


def remove(user, *, actor, by: str) -> int:
    """Delete every device of `user` (confirmed or being set up); returns how many were removed.

    `by`: "self" (the account page), "admin" (the Django admin) or "command" (manage.py). A user who
    must have a second factor is asked to set up a new app at their next sign-in. A reset by someone
    else also ends the user's sessions: a lost phone may go with a stolen session, which could
    otherwise set up a new app of its own.
    """
    with transaction.atomic():
        devices = list(TOTPDevice.objects.select_for_update().filter(user=user).values_list("pk", "confirmed"))
        if not devices:
            return 0
        TOTPDevice.objects.filter(pk__in=[pk for pk, _ in devices]).delete()
        from .backup_codes import remove_all

        remove_all(user)  # they stand in for the app: they go with it
        confirmed = [pk for pk, was_confirmed in devices if was_confirmed]
        if confirmed:
            audit.append(actor=actor, action=AuditEvent.Action.OTP_DEVICE_REMOVED, subject_type=SUBJECT_TYPE,
                         subject_id=str(user.pk), payload={"devices": confirmed, "by": by})
    if by != "self":
        end_all_sessions(user)
    return len(devices)


def forget_verification(request: HttpRequest) -> None:
    """After turning off one's own app, the session no longer counts as verified by it."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[DEVICE_CHOSEN_SESSION_KEY] = False
