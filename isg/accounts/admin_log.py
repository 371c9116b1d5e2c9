"""The administration log: every change administrators made to people, agencies and the directory,
read from the audit chain and put in words for the partnership (admin_log_views.py).

Who changed whom, what (roles, agencies, line managers, deputies, accounts switched off and on, away
periods, invitations, second factors reset, changes that give access asked for and decided), and
when. The chain holds ids and codes only, so names are looked up as they are now.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from isg.agencies.models import Agency
from isg.audit.models import AuditEvent

from .models import User
from .people_display import Names, rows

A = AuditEvent.Action
ACTIONS = (
    A.PERSON_CHANGED, A.PERSON_DEACTIVATED, A.PERSON_REACTIVATED, A.ACCESS_CHANGE_REQUESTED,
    A.ACCESS_CHANGE_CONFIRMED, A.ACCESS_CHANGE_REFUSED, A.ACCESS_CHANGE_WITHDRAWN, A.AWAY_PERIOD_ADDED,
    A.AWAY_PERIOD_ENDED, A.AWAY_BEGAN, A.AWAY_OVER, A.PEOPLE_IMPORTED, A.INVITATION_SENT, A.OTP_DEVICE_REMOVED,
    A.AGENCY_ADDED, A.AGENCY_CHANGED, A.ORGANISATION_ADDED, A.ORGANISATION_CHANGED, A.ORGANISATION_DEACTIVATED,
    A.ORGANISATION_REACTIVATED,
)
SUBJECTS = ("user", "agency", "organisation")
FIELD_WORDS = {"name": "name", "slug": "short name", "kind": "kind", "agency": "agency",
               "secure_contact_routes": "secure ways to send", "is_active": "on the directory"}


@dataclass
class Entry:
    event: AuditEvent
    who: str
    whom: str
    what: str
    details: list[str] = field(default_factory=list)


def events(*, person: User | None = None, since: datetime.date | None = None,
           until: datetime.date | None = None) -> QuerySet[AuditEvent]:
    """The log's events, newest first: about `person` or made by them, between the dates (inclusive)."""
    found = AuditEvent.objects.filter(subject_type__in=SUBJECTS, action__in=ACTIONS)
    found = found.exclude(action=A.OTP_DEVICE_REMOVED, payload__by="self")  # one's own app, not an admin's change
    if person is not None:
        found = found.filter(Q(subject_type="user", subject_id=str(person.pk)) | Q(actor=person))
    if since is not None:
        found = found.filter(at__gte=_start_of(since))
    if until is not None:
        found = found.filter(at__lt=_start_of(until + datetime.timedelta(days=1)))
    return found.order_by("-seq")


def entries(page: list[AuditEvent]) -> list[Entry]:
    """A page of events in words, with every name found in a few queries."""
    users = {e.actor_id for e in page if e.actor_id} | {int(e.subject_id) for e in page if e.subject_type == "user"
                                                         and e.subject_id.isdigit()}
    people = {u.pk: u for u in User.objects.filter(pk__in=users)}
    names = Names([_changes(e) for e in page] + [{"agency": [e.payload.get("agency")]} for e in page])
    agencies = dict(Agency.objects.filter(pk__in=[int(e.subject_id) for e in page if e.subject_type == "agency"
                                                  and e.subject_id.isdigit()]).values_list("pk", "name"))
    organisations = _organisations([e for e in page if e.subject_type == "organisation"])
    found = []
    for event in page:
        actor = people.get(event.actor_id)
        who = f"{actor.display_name} ({actor.username})" if actor else "ISG itself (a daily task or a command)"
        found.append(Entry(event, who, _whom(event, people, agencies, organisations), event.action_label,
                           _details(event, names)))
    return found


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _organisations(page: list[AuditEvent]) -> dict[int, str]:
    from isg.directory.models import Organisation

    ids = [int(e.subject_id) for e in page if e.subject_id.isdigit()]
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))


def _whom(event: AuditEvent, people, agencies, organisations) -> str:
    key = int(event.subject_id) if event.subject_id.isdigit() else None
    if event.subject_type == "user":
        person = people.get(key)
        return f"{person.display_name} ({person.username})" if person else f"Person {event.subject_id}"
    if event.subject_type == "agency":
        return f"Agency: {agencies.get(key, event.subject_id)}"
    return f"Organisation: {organisations.get(key, event.subject_id)}"


def _changes(event: AuditEvent) -> dict[str, Any]:
    changes = event.payload.get("changes")
    return changes if isinstance(changes, dict) else {}


def _date(value: Any) -> str:
    try:
        return datetime.date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


def _details(event: AuditEvent, names: Names) -> list[str]:
    payload, action = event.payload, event.action
    if action == A.PEOPLE_IMPORTED:  # new people: what they were given, not a change from nothing
        details = [f"{row.label}: {row.after}" for row in rows(_changes(event), names) if row.after != "None"]
    else:
        details = [f"{row.label}: {row.before} → {row.after}" if row.before else f"{row.label}: {row.after}"
                   for row in rows(_changes(event), names)]
    if action == A.AWAY_PERIOD_ADDED:
        until = f"to {_date(payload['ends_on'])}" if payload.get("ends_on") else "until further notice"
        details.append(f"Away from {_date(payload.get('starts_on'))} {until}")
    elif action == A.AWAY_PERIOD_ENDED:
        details.append(f"Back from {_date(payload.get('ended_on'))}")
    elif action in (A.AWAY_BEGAN, A.AWAY_OVER):
        details.append(f"On {_date(payload.get('on'))}")
    elif action == A.INVITATION_SENT:
        details.append(f"Role: {names.value('role', payload.get('role'))}")
        if payload.get("agency"):
            details.append(f"Agency: {names.value('agency', payload.get('agency'))}")
        if payload.get("resent"):
            details.append("A new link: earlier ones stopped working")
    elif action == A.OTP_DEVICE_REMOVED:
        details.append("Authenticator app removed: they set up a new one at their next sign-in")
    elif "fields" in payload:
        details.append("Changed: " + ", ".join(FIELD_WORDS.get(f, f) for f in payload["fields"]))
    if payload.get("handed_over"):
        count = payload["handed_over"]
        details.append(f"{count} waiting approval{'s' if count != 1 else ''} handed over")
    if payload.get("access_change"):
        details.append(f"Change request {payload['access_change']}")
    return details
