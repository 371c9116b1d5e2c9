"""Demo directory entries (`manage.py load_demo`): each agency as a member agency, and five other
organisations a decision may share with. Loading again adds nothing twice."""

from __future__ import annotations

from isg.agencies.models import Agency

from .models import Organisation

Kind = Organisation.Kind
OTHERS = [
    ("Bathavon Children's Social Care", Kind.CHILDRENS_SOCIAL_CARE,
     "Secure email: childrens.duty@bathavon.gov.uk.example\nDuty line: 01225 000 101 (9am to 5pm)"),
    ("Bathavon Adult Social Care", Kind.ADULTS_SOCIAL_CARE,
     "Secure email: adult.safeguarding@bathavon.gov.uk.example\nDuty line: 01225 000 102"),
    ("Avon and Somerset Police Safeguarding Hub", Kind.POLICE,
     "Secure email: safeguarding.hub@police.uk.example\nUrgent: 999; otherwise 101"),
    ("Royal Avon Hospital Safeguarding Team", Kind.HEALTH,
     "Secure email (NHSmail): rah.safeguarding@nhs.net.example\nPhone: 01225 000 103"),
    ("Widcombe Junior School", Kind.SCHOOL,
     "Designated safeguarding lead: through the Egress secure portal\nPhone: 01225 000 104"),
]


def load() -> list[Organisation]:
    """Add the demo organisations that are not there yet; returns those added."""
    added = []
    for agency in Agency.objects.order_by("pk"):
        if not Organisation.objects.filter(agency=agency).exists():
            added.append(Organisation.objects.create(name=agency.name, kind=Kind.MEMBER_AGENCY, agency=agency))
    for name, kind, routes in OTHERS:
        if not Organisation.objects.filter(name__iexact=name).exists():
            added.append(Organisation.objects.create(name=name, kind=kind, secure_contact_routes=routes))
    return added
