"""Backup codes: ten one-time codes that stand in for the authenticator app, for a lost or flat phone.

- Made on the backup codes page (two_factor_views.backup_codes), offered straight after setting up an
  app; shown once, on the page that makes them, and never again: only their hashes are kept, made by
  the password hashers (Argon2 in production), unlike django-otp's StaticToken, which keeps them as text.
- Each works once, on the code page, and counts against the same throttle as the app's codes (the
  throttle lives on the person's authenticator app, two_factor.verify_backup_code), so ten codes of
  about 50 bits each cannot be guessed online.
- Making new ones replaces every earlier one. Resetting or turning off the second factor removes them.
- Audited (`backup_codes_made`, `backup_code_used`; a failed one is `otp_failed` with reason
  `wrong_backup_code`): counts and ids only, never a code.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import BackupCode

COUNT = 10
LENGTH = 10  # 31^10: about 50 bits each
# Lower-case letters and digits that cannot be mistaken for one another (no i, l, o, 0 or 1).
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SUBJECT_TYPE = "user"


def normalise(text: str) -> str:
    """What people type: any case, with spaces or the hyphen shown in the middle."""
    return "".join(ch for ch in (text or "").lower() if ch not in " -\u00a0")


def looks_like_a_code(text: str) -> bool:
    code = normalise(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def shown(code: str) -> str:
    """As the page shows it: two groups of five, "abcde-fghjk"."""
    return f"{code[:5]}-{code[5:]}"


def unused(user):
    return BackupCode.objects.filter(user=user, used_at__isnull=True)


def backup_codes_make(*, user) -> list[str]:
    """Replace `user`'s backup codes with `COUNT` new ones and return them, to be shown once."""
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    hashes = [make_password(code) for code in codes]  # slow on purpose: outside the transaction
    with transaction.atomic():
        replaced = unused(user).count()
        BackupCode.objects.filter(user=user).delete()
        BackupCode.objects.bulk_create([BackupCode(user=user, code_hash=h) for h in hashes])
        audit.append(actor=user, action=AuditEvent.Action.BACKUP_CODES_MADE, subject_type=SUBJECT_TYPE,
                     subject_id=str(user.pk), payload={"count": COUNT, "replaced_unused": replaced})
    return [shown(code) for code in codes]


def use(user, text: str) -> BackupCode | None:
    """The unused code matching `text`, now marked used; None if none matches. Call inside the
    caller's transaction (it holds the throttle's lock), which also audits."""
    code = normalise(text)
    if not looks_like_a_code(code):
        return None
    for candidate in unused(user):
        if check_password(code, candidate.code_hash):
            # Marked used only if still unused: two tries with one code cannot both pass.
            if BackupCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=timezone.now()):
                return candidate
            return None
    return None


def remove_all(user) -> int:
    return BackupCode.objects.filter(user=user).delete()[0]
