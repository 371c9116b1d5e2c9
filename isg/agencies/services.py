"""Adding and changing agencies (the administrator's Agencies pages), each change on the audit chain.

An agency added here is also listed in the directory of organisations (isg/directory) as a member
agency, so decisions can name it as a recipient. Agencies are never deleted: their staff and
decisions keep them. The chain holds the agency's id and the names of the fields changed, never
the words typed.
"""

from __future__ import annotations

from django.db import transaction

from isg.audit import services as audit
from isg.audit.models import AuditEvent

from .models import Agency

SUBJECT_TYPE = "agency"


@transaction.atomic
def agency_add(*, name: str, slug: str, kind: str, actor) -> Agency:
    from isg.directory.models import Organisation

    agency = Agency(name=name, slug=slug, kind=kind)
    agency.full_clean()
    agency.save()
    Organisation.objects.create(name=name, kind=Organisation.Kind.MEMBER_AGENCY, agency=agency)
    audit.append(actor=actor, action=AuditEvent.Action.AGENCY_ADDED, subject_type=SUBJECT_TYPE,
                 subject_id=str(agency.pk), payload={"fields": ["name", "slug", "kind"]})
    return agency


@transaction.atomic
def agency_change(*, agency: Agency, name: str, kind: str, actor) -> list[str]:
    """Rename or re-describe an agency; returns the fields changed (none: nothing written)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    changed = [f for f, value in (("name", name), ("kind", kind)) if getattr(agency, f) != value]
    if not changed:
        return []
    agency.name, agency.kind = name, kind
    agency.full_clean()
    agency.save(update_fields=changed)
    audit.append(actor=actor, action=AuditEvent.Action.AGENCY_CHANGED, subject_type=SUBJECT_TYPE,
                 subject_id=str(agency.pk), payload={"fields": changed})
    return changed
