"""People's changes in words: "Role: Practitioner → Line manager", with ids turned into names.

Reads both the changes kept on an AccessChange ({field: [before, after]}, names and addresses
included) and the audit chain's form of them (people.chain_changes: free text only as "changed").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from isg.agencies.models import Agency

from .models import User

LABELS = {
    "name": "Name", "email": "Email address", "role": "Role", "agency": "Agency", "line_manager": "Line manager",
    "deputy": "Deputy", "is_partnership_lead": "Partnership lead",
    "is_designated_safeguarding_lead": "Designated safeguarding lead", "is_active": "Account",
}
ORDER = tuple(LABELS)
ROLE_LABELS = dict(User.Role.choices)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str
    field: str = ""


class Names:
    """Names for the user and agency ids of many changes, looked up in two queries."""

    def __init__(self, changes: list[dict[str, Any]]) -> None:
        users, agencies = set(), set()
        for change in changes:
            for field, values in change.items():
                if not isinstance(values, list):
                    continue
                ids = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
                if field in ("line_manager", "deputy"):
                    users |= ids
                elif field == "agency":
                    agencies |= ids
        self.users = {u.pk: u.display_name for u in User.objects.filter(pk__in=users)}
        self.agencies = dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name"))

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "":
            return "None" if field in ("agency", "line_manager", "deputy") else "Not given"
        if field == "role":
            return ROLE_LABELS.get(value, str(value))
        if field == "agency":
            return self.agencies.get(value, f"An agency no longer listed ({value})")
        if field in ("line_manager", "deputy"):
            return self.users.get(value, f"Someone no longer listed ({value})")
        if field == "is_active":
            return "Active" if value else "Switched off"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)


def merged(changes: dict[str, Any], person: User | None = None) -> dict[str, Any]:
    """First and last name as one "name" change, as the pages show it (the parts not changed from `person`)."""
    changes = dict(changes)
    first, last = changes.pop("first_name", None), changes.pop("last_name", None)
    if first is None and last is None:
        return changes
    if not (isinstance(first, list) or isinstance(last, list)):
        return {"name": "changed", **changes}
    first = first if isinstance(first, list) else [getattr(person, "first_name", "")] * 2
    last = last if isinstance(last, list) else [getattr(person, "last_name", "")] * 2
    whole = [" ".join(p for p in (first[i], last[i]) if p) for i in (0, 1)]
    return {"name": whole, **changes}


def rows(changes: dict[str, Any], names: Names | None = None, person: User | None = None) -> list[ChangeRow]:
    """One row a field, in the pages' order."""
    changes = merged(changes, person)
    names = names or Names([changes])
    found = []
    for field in sorted(changes, key=lambda f: ORDER.index(f) if f in ORDER else len(ORDER)):
        values = changes[field]
        label = LABELS.get(field, field.replace("_", " ").capitalize())
        if isinstance(values, list) and len(values) == 2:
            found.append(ChangeRow(label, names.value(field, values[0]), names.value(field, values[1]), field))
        else:
            found.append(ChangeRow(label, "", "Changed (not shown: the record keeps no names or addresses)", field))
    return found
