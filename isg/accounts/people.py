"""Changing people: their name, address, role, agency, line manager, deputy; switching accounts off and on.

    person_update(person=pat, proposed={"role": "line_manager", ...}, actor=admin)  # applied, or asked for
    person_deactivate(person=pat, actor=admin)                                   # sessions end, approvals move
    person_reactivate(person=pat, actor=admin)

A person's details are a dict of FIELDS (foreign keys as ids). `check` says what is wrong with a
proposal, field by field, using the rules in line_management.py. A change that gives access to case
records (`access_changes.grants_access`) is not applied: it waits for a second person
(access_changes.py), who applies it with `apply` after checking it again.

Every change is on the audit chain, with field names, role codes, ids and yes/no only (never a name
or an address): `person_changed`, `person_deactivated`, `person_reactivated`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from isg.agencies.models import Agency
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.lib.text import validate_one_line_plain_text

from .line_management import AGENCY_ROLES, OPTIONAL_AGENCY_ROLES, check_deputy, check_line_manager
from .models import DSL_ONLY_LINE_MANAGERS, AccessChange, User
from .signals import hand_over_approvals

SUBJECT_TYPE = "user"
FIELDS = ("first_name", "last_name", "email", "role", "agency", "line_manager", "deputy", "is_partnership_lead",
          "is_designated_safeguarding_lead", "is_active")
FOREIGN_KEYS = ("agency", "line_manager", "deputy")
NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length
# On the audit chain these are named, never given: they are free text.
WORDS = {"first_name": "name", "last_name": "name", "email": "email"}


# A change to any of these is checked with all of them: they must agree with each other.
PLACE = ("role", "agency", "line_manager", "deputy", "is_partnership_lead", "is_designated_safeguarding_lead")


@dataclass(frozen=True)
class Outcome:
    """What a change did: applied `changes` (handing on `handed_over` approvals), or asked a second person
    to confirm them (`access_change`)."""

    changes: dict[str, list[Any]]
    access_change: AccessChange | None = None
    handed_over: int = 0

    @property
    def applied(self) -> bool:
        return bool(self.changes) and self.access_change is None


def values_of(person: User) -> dict[str, Any]:
    return {f: getattr(person, f"{f}_id" if f in FOREIGN_KEYS else f) for f in FIELDS}


def changes_between(person: User, proposed: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [now, proposed]} for every field `proposed` changes."""
    now = values_of(person)
    return {f: [now[f], proposed[f]] for f in FIELDS if f in proposed and proposed[f] != now[f]}


def with_role_rules(values: dict[str, Any]) -> dict[str, Any]:
    """Partnership staff, trainers and administrators have no agency, line manager or deputy (as on the
    invitation page); a data protection officer may keep an agency, but has no line manager or deputy. A
    practitioner's deputy or a lead who is not partnership staff is an error instead (`check`): an
    administrator who chose one is told, not ignored."""
    values = dict(values)
    if values.get("role") not in AGENCY_ROLES:
        values.update(line_manager=None, deputy=None)
        if values.get("role") not in OPTIONAL_AGENCY_ROLES:
            values["agency"] = None
    return values


def check(person: User, proposed: dict[str, Any], changed: set[str] | None = None) -> dict[str, list[str]]:
    """What is wrong with `proposed` (all of FIELDS) for `person`, as {field: [sentences]}; {} when nothing.

    `changed`: the fields that change (default: all). Only those are checked, with everything a role,
    agency or manager change depends on, so details kept as they were are never in the way.
    """
    errors: dict[str, list[str]] = {}
    changed = set(FIELDS) if changed is None else changed

    def fail(field: str, error: ValidationError | str) -> None:
        errors.setdefault(field, []).extend(error.messages if isinstance(error, ValidationError) else [error])

    if changed & {"first_name", "last_name"}:
        _check_name(proposed, fail)
    if "email" in changed:
        _check_email(person, proposed.get("email") or "", fail)
    if changed & set(PLACE):
        _check_place(person, proposed, fail)
    return errors


def _check_place(person: User, proposed: dict[str, Any], fail) -> None:
    role = proposed.get("role")
    if role not in User.Role.values:
        fail("role", "Choose their role")
        return
    agency_id, manager_id, deputy_id = proposed.get("agency"), proposed.get("line_manager"), proposed.get("deputy")
    known_agency = agency_id is not None and Agency.objects.filter(pk=agency_id).exists()
    if (role in AGENCY_ROLES or agency_id is not None) and not known_agency:
        fail("agency", "Choose the agency they work for")
    if manager_id is not None:
        manager = User.objects.filter(pk=manager_id).first()
        try:
            if manager is None:
                raise ValidationError("Choose their line manager from the list")
            check_line_manager(manager, person_pk=person.pk, agency_id=agency_id)
        except ValidationError as error:
            fail("line_manager", error)
    if deputy_id is not None:
        deputy = User.objects.filter(pk=deputy_id).first()
        try:
            if deputy is None:
                raise ValidationError("Choose their deputy from the list")
            check_deputy(deputy, person_pk=person.pk, role=role, agency_id=agency_id)
        except ValidationError as error:
            fail("deputy", error)
    if proposed.get("is_partnership_lead") and role != User.Role.PARTNERSHIP:
        fail("is_partnership_lead", "Only partnership (LSCB) staff can be the partnership lead")
    if proposed.get("is_designated_safeguarding_lead") and (role != User.Role.LINE_MANAGER or agency_id is None):
        fail("is_designated_safeguarding_lead", DSL_ONLY_LINE_MANAGERS.rstrip("."))
    if person.pk is not None:
        _check_people_they_manage(person, role, agency_id, fail)


def person_update(*, person: User, proposed: dict[str, Any], actor: User) -> Outcome:
    """Change `person` as proposed (any of FIELDS but is_active), or ask for a second person's confirmation.

    Raises ValidationError keyed by field. Nothing changes when nothing differs.
    """
    from . import access_changes

    proposed = with_role_rules(values_of(person) | {k: v for k, v in proposed.items() if k != "is_active"})
    changes = changes_between(person, proposed)
    if not changes:
        return Outcome({})
    errors = check(person, proposed, set(changes))
    if errors:
        raise ValidationError(errors)
    if access_changes.grants_access(person, changes):
        return Outcome(changes, access_changes.access_change_request(person=person, changes=changes, actor=actor))
    return apply(person=person, changes=changes, actor=actor)


def apply(*, person: User, changes: dict[str, list[Any]], actor: User,
          access_change: AccessChange | None = None) -> Outcome:
    """Make `changes` ({field: [then, new]}) now, checked again against how `person` is now.

    Returns the changes made ({field: [before, after]}). Raises ValidationError if they can no longer
    be made. A line manager who stops being one (role, agency, switched off) hands on their waiting
    approvals. `access_change`: the confirmed request this applies, named on the chain.
    """
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        before = values_of(person)
        proposed = with_role_rules(before | {f: new for f, (_, new) in changes.items()})
        made = changes_between(person, proposed)
        errors = check(person, proposed, set(made))
        if errors:
            raise ValidationError(errors)
        if not made:
            return Outcome({})
        for field, (_, new) in made.items():
            setattr(person, f"{field}_id" if field in FOREIGN_KEYS else field, new)
        person.save(update_fields=list(made))
        reason = _stops_managing(before, proposed)
        handed_over = 0
        if reason:
            handed_over = hand_over_approvals(person, reason=reason, actor=actor)
        action = AuditEvent.Action.PERSON_CHANGED
        if set(made) == {"is_active"}:
            action = AuditEvent.Action.PERSON_REACTIVATED if proposed["is_active"] else AuditEvent.Action.PERSON_DEACTIVATED
        payload: dict[str, Any] = {"changes": chain_changes(made), "handed_over": handed_over}
        if access_change is not None:
            payload.update(access_change=access_change.pk, requested_by=access_change.requested_by_id)
        audit.append(actor=actor, action=action, subject_type=SUBJECT_TYPE, subject_id=str(person.pk), payload=payload)
    return Outcome(made, handed_over=handed_over)


def person_deactivate(*, person: User, actor: User) -> Outcome:
    """Switch `person`'s account off: every session ends (signals.py) and their waiting approvals are
    handed on (`Outcome.handed_over`). Raises ValidationError for one's own account."""
    if person.pk == actor.pk:
        raise ValidationError("You cannot switch off your own account: ask another administrator.", code="self")
    return apply(person=person, changes={"is_active": [True, False]}, actor=actor)


def person_reactivate(*, person: User, actor: User) -> Outcome:
    """Switch `person`'s account on again: at once, or (for a role that reads case records or manages
    people) once a second person confirms."""
    from . import access_changes

    if person.is_active:
        return Outcome({})
    changes = {"is_active": [False, True]}
    if access_changes.grants_access(person, changes):
        return Outcome(changes, access_changes.access_change_request(person=person, changes=changes, actor=actor))
    return apply(person=person, changes=changes, actor=actor)


def chain_changes(changes: dict[str, list[Any]]) -> dict[str, Any]:
    """What the audit chain may hold of `changes`: codes, ids and yes/no; free text only as "changed"."""
    out: dict[str, Any] = {}
    for field, (old, new) in changes.items():
        if field in WORDS:
            out[WORDS[field]] = "changed"
        else:
            out[field] = [old, new]
    return out


# -- checks ---------------------------------------------------------------------------------------


def _check_name(proposed: dict[str, Any], fail) -> None:
    first, last = (proposed.get("first_name") or "").strip(), (proposed.get("last_name") or "").strip()
    if not first and not last:
        fail("name", "Enter their full name")
        return
    for part in (first, last):
        try:
            validate_one_line_plain_text(part)
        except ValidationError as error:
            fail("name", error)
            return
        if len(part) > NAME_MAX_LENGTH:
            fail("name", f"Their name must be {NAME_MAX_LENGTH} characters or fewer")
            return


def _check_email(person: User, email: str, fail) -> None:
    if not email:
        fail("email", "Enter their work email address")
        return
    try:
        validate_one_line_plain_text(email)
        validate_email(email)
    except ValidationError:
        fail("email", "Enter an email address in the correct format, like name@example.org")
        return
    others = User.objects.filter(email__iexact=email)
    if person.pk is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        fail("email", "Someone else already has this email address")


def _check_people_they_manage(person: User, role: str, agency_id: int | None, fail) -> None:
    """A line manager who would stop being one (or move agency) must first hand over the people they manage."""
    from .line_management import cross_agency_allowed

    reports = User.objects.filter(line_manager=person, is_active=True)
    deputising = User.objects.filter(deputy=person, is_active=True)
    if role != User.Role.LINE_MANAGER:
        if reports.exists():
            fail("role", f"They line-manage {_people(reports)}: choose another line manager for "
                         f"{'them' if reports.count() > 1 else 'that person'} first")
        if deputising.exists():
            fail("role", f"They are the deputy of {_people(deputising)}: choose another deputy first")
    elif agency_id != person.agency_id and not cross_agency_allowed():
        elsewhere = reports.exclude(agency_id=agency_id)
        if elsewhere.exists():
            fail("agency", f"They line-manage {_people(elsewhere)} at their present agency: choose another line "
                           "manager for them first")
        deputising = deputising.exclude(agency_id=agency_id)
        if deputising.exists():
            fail("agency", f"They are the deputy of {_people(deputising)} at their present agency: choose another "
                           "deputy first")


def _people(users) -> str:
    names = [u.display_name for u in users.order_by("first_name", "username")[:4]]
    count = users.count()
    if count > len(names):
        return f"{', '.join(names)} and {count - len(names)} more"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _stops_managing(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    if before["role"] != User.Role.LINE_MANAGER or not before["is_active"]:
        return None
    if not after["is_active"]:
        return "deactivated"
    if after["role"] != User.Role.LINE_MANAGER:
        return "role_changed"
    if after["agency"] != before["agency"]:
        return "agency_changed"
    return None
