"""A change that gives access to case records takes effect only when a second person confirms it.

Which changes (`grants_access`):
- making someone a line manager (their reports' decisions and their agency's queue), partnership
  (LSCB) staff (every decision of the partnership), a data protection officer (the decisions whose
  breach assessment they own) or an administrator (who manages all this);
- making someone the partnership lead (who confirms these changes);
- moving a line manager or a data protection officer to another agency (that agency's decisions);
- changing an email address (password reset links go there, so the account goes with it);
- switching on again the account of any of those roles.

Who confirms or refuses (`may_decide`): another active administrator, or the partnership lead
(`User.is_partnership_lead`, partnership staff), but never the person who asked nor the person
changed. Until then nothing changes and the person's page shows the change waiting. The lead is
emailed when one is asked for (tasks.send_access_change_notice, by the worker: a link only).

On the audit chain: `access_change_requested`, then `access_change_confirmed` (with the
`person_changed` the change makes), `access_change_refused` or `access_change_withdrawn`; the
request's id and the changes as field names, codes and ids.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import AccessChange, User
from .people import SUBJECT_TYPE, Outcome, apply, chain_changes, values_of

GRANTING_ROLES = frozenset({User.Role.LINE_MANAGER, User.Role.PARTNERSHIP, User.Role.ADMIN,
                            User.Role.DATA_PROTECTION_OFFICER})
# Roles whose access follows their agency: moving them to another gives them its decisions.
AGENCY_SCOPED = frozenset({User.Role.LINE_MANAGER, User.Role.DATA_PROTECTION_OFFICER})
Status = AccessChange.Status


def grants_access(person: User, changes: dict[str, list[Any]]) -> bool:
    """Whether these changes ({field: [now, new]}) to `person` need a second person's confirmation."""
    after = values_of(person) | {field: new for field, (_, new) in changes.items()}
    return (
        ("role" in changes and after["role"] in GRANTING_ROLES)
        or bool(after["is_partnership_lead"] and "is_partnership_lead" in changes)
        or bool(after["is_designated_safeguarding_lead"] and "is_designated_safeguarding_lead" in changes)
        or "email" in changes
        or ("agency" in changes and after["role"] in AGENCY_SCOPED)
        or ("is_active" in changes and after["is_active"] and after["role"] in GRANTING_ROLES)
    )


def may_decide(user: User, change: AccessChange) -> bool:
    """Another administrator or the partnership lead; never who asked, nor the person it changes."""
    return bool(
        user.is_authenticated and user.is_active and change.status == Status.WAITING
        and user.pk not in (change.requested_by_id, change.person_id)
        and (user.role == User.Role.ADMIN or (user.role == User.Role.PARTNERSHIP and user.is_partnership_lead))
    )


def may_withdraw(user: User, change: AccessChange) -> bool:
    return bool(user.is_authenticated and user.is_active and change.status == Status.WAITING
                and user.role == User.Role.ADMIN)


def partnership_leads():
    return User.objects.filter(is_active=True, role=User.Role.PARTNERSHIP, is_partnership_lead=True)


def access_change_request(*, person: User, changes: dict[str, list[Any]], actor: User) -> AccessChange:
    """Ask for `changes` to `person` to be confirmed. Raises ValidationError if one is already waiting."""
    from .tasks import send_access_change_notice

    try:
        with transaction.atomic():
            change = AccessChange.objects.create(person=person, changes=changes, requested_by=actor)
            _audit(change, actor, AuditEvent.Action.ACCESS_CHANGE_REQUESTED, changes=chain_changes(changes))
            send_access_change_notice.enqueue(change.pk)  # in this transaction: sent once it commits
    except IntegrityError:
        raise ValidationError(
            f"A change to {person.display_name} is already waiting for confirmation: it must be confirmed, "
            "refused or withdrawn first.", code="waiting",
        ) from None
    return change


def access_change_confirm(*, change: AccessChange, actor: User) -> Outcome:
    """Make the change now. Raises PermissionDenied (see `may_decide`), ValidationError if it can no
    longer be made as asked (it stays waiting: refuse it and ask again)."""
    with transaction.atomic():
        change = _locked(change, actor, may_decide)
        outcome = apply(person=change.person, changes=change.changes, actor=actor, access_change=change)
        _decide(change, actor, Status.CONFIRMED, AuditEvent.Action.ACCESS_CHANGE_CONFIRMED)
        if change.held_invitations.exists():
            from .invitations import send_held_invitations  # invitations asks for these changes

            send_held_invitations(change.person, actor)
    return outcome


def access_change_refuse(*, change: AccessChange, actor: User) -> AccessChange:
    with transaction.atomic():
        change = _locked(change, actor, may_decide)
        _decide(change, actor, Status.REFUSED, AuditEvent.Action.ACCESS_CHANGE_REFUSED)
    return change


def access_change_withdraw(*, change: AccessChange, actor: User) -> AccessChange:
    """An administrator takes back a change not yet decided (asked by mistake, or no longer wanted)."""
    with transaction.atomic():
        change = _locked(change, actor, may_withdraw)
        _decide(change, actor, Status.WITHDRAWN, AuditEvent.Action.ACCESS_CHANGE_WITHDRAWN)
    return change


def _locked(change: AccessChange, actor: User, allowed) -> AccessChange:
    change = AccessChange.objects.select_for_update().select_related("person", "requested_by").get(pk=change.pk)
    if change.status != Status.WAITING:
        raise ValidationError(f"This change has already been {change.get_status_display().lower()}.", code="decided")
    if not allowed(actor, change):
        raise PermissionDenied("You cannot decide on a change you asked for, or a change to yourself.")
    return change


def _decide(change: AccessChange, actor: User, status: str, action: str) -> None:
    change.status, change.decided_by, change.decided_at = status, actor, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(change, actor, action)


def _audit(change: AccessChange, actor: User, action: str, **payload: Any) -> None:
    audit.append(actor=actor, action=action, subject_type=SUBJECT_TYPE, subject_id=str(change.person_id),
                 payload={"access_change": change.pk, **payload})
