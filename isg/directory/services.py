"""Keeping the directory (the administrator's Organisations pages), each change on the audit chain
with the organisation's id, its kind and the names of the fields changed; never the words typed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import Organisation

SUBJECT_TYPE = "organisation"
FIELDS = ("name", "kind", "agency", "secure_contact_routes")


@transaction.atomic
def organisation_add(*, actor, **values: Any) -> Organisation:
    organisation = Organisation(**{f: values.get(f) for f in FIELDS if f in values})
    organisation.full_clean()
    organisation.save()
    _audit(organisation, actor, AuditEvent.Action.ORGANISATION_ADDED, [f for f in FIELDS if values.get(f)])
    return organisation


@transaction.atomic
def organisation_change(*, organisation: Organisation, actor, **values: Any) -> list[str]:
    """Change the fields given; returns the names of those that changed."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = [f for f in FIELDS if f in values and getattr(organisation, f) != values[f]]
    if not changed:
        return []
    for field in changed:
        setattr(organisation, field, values[field])
    organisation.full_clean()
    organisation.save()
    _audit(organisation, actor, AuditEvent.Action.ORGANISATION_CHANGED, changed)
    return changed


@transaction.atomic
def organisation_set_active(*, organisation: Organisation, active: bool, actor) -> bool:
    """Take an organisation off the directory, or put it back; returns whether anything changed."""
    updated = Organisation.objects.filter(pk=organisation.pk, is_active=not active).update(is_active=active)
    if updated:
        action = AuditEvent.Action.ORGANISATION_REACTIVATED if active else AuditEvent.Action.ORGANISATION_DEACTIVATED
        _audit(organisation, actor, action, ["is_active"])
        organisation.is_active = active
    return bool(updated)


def _audit(organisation: Organisation, actor, action: str, fields: list[str]) -> None:
    audit.append(actor=actor, action=action, subject_type=SUBJECT_TYPE, subject_id=str(organisation.pk),
                 payload={"kind": organisation.kind, "agency": organisation.agency_id, "fields": fields})
