"""Who may line-manage whom, who may deputise, and whose approvals would reach nobody.

The rules the People pages, the import and invitations share:

- a line manager must be an active person with the line-manager role, never the person themselves,
  and of the same agency unless `ISG_CROSS_AGENCY_LINE_MANAGEMENT` is on;
- line management never goes round in a circle (A manages B manages A);
- only line managers have a deputy, and a deputy is another active line manager (same agency
  unless the setting is on);
- someone whose approvals would route nowhere (no active line manager, nor that manager's active
  deputy, nor any other active line manager in their agency) is a warning, never an error: an
  agency may be setting up, and their decisions would wait in the agency queue with nobody to see it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError

from .models import User

# Roles that record decisions belong to an agency, and only they have a line manager.
AGENCY_ROLES = frozenset({User.Role.PRACTITIONER, User.Role.LINE_MANAGER})
# A data protection officer serves one agency, or every agency when they have none (isg/followups).
OPTIONAL_AGENCY_ROLES = frozenset({User.Role.DATA_PROTECTION_OFFICER})


def cross_agency_allowed() -> bool:
    return bool(getattr(settings, "ISG_CROSS_AGENCY_LINE_MANAGEMENT", False))


def check_line_manager(manager: User, *, person_pk: int | None, agency_id: int | None) -> None:
    """Raise ValidationError (one sentence) unless `manager` may line-manage this person."""
    if person_pk is not None and manager.pk == person_pk:
        raise ValidationError("Nobody can be their own line manager", code="self")
    if manager.role != User.Role.LINE_MANAGER:
        raise ValidationError(f"{manager.display_name} is not a line manager: a line manager must have the "
                              "line-manager role", code="not_a_manager")
    if _switched_off(manager):
        raise ValidationError(f"{manager.display_name}'s account is switched off", code="inactive")
    if agency_id is not None and manager.agency_id != agency_id and not cross_agency_allowed():
        raise ValidationError(f"{manager.display_name} works for another agency: a line manager must work for "
                              "the same agency", code="other_agency")
    if person_pk is not None:
        circle = management_circle(person_pk, manager)
        if circle:
            names = " → ".join(u.display_name for u in circle)
            raise ValidationError(f"Line management cannot go round in a circle: {names}", code="cycle")


def management_circle(person_pk: int, manager: User) -> list[User]:
    """The chain from `manager` up to the person if they would end up managing themselves; else []."""
    chain, seen, current = [], set(), manager
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.append(current)
        if current.line_manager_id == person_pk:
            return [*chain, User.objects.get(pk=person_pk)]
        current = current.line_manager if current.line_manager_id else None
    return []


def check_deputy(deputy: User, *, person_pk: int | None, role: str, agency_id: int | None) -> None:
    """Raise ValidationError unless `deputy` may approve for this (line manager) person when they are away."""
    if role != User.Role.LINE_MANAGER:
        raise ValidationError("Only line managers have a deputy", code="not_a_manager")
    if person_pk is not None and deputy.pk == person_pk:
        raise ValidationError("Nobody can be their own deputy", code="self")
    if deputy.role != User.Role.LINE_MANAGER:
        raise ValidationError(f"{deputy.display_name} is not a line manager: a deputy must be a line manager",
                              code="not_a_manager")
    if _switched_off(deputy):
        raise ValidationError(f"{deputy.display_name}'s account is switched off", code="inactive")
    if agency_id is not None and deputy.agency_id != agency_id and not cross_agency_allowed():
        raise ValidationError(f"{deputy.display_name} works for another agency: a deputy must work for the "
                              "same agency", code="other_agency")


def _switched_off(user: User) -> bool:
    """Off, and not a newly invited manager whose account waits for a second person to switch it on
    (people imported with their managers, or invited before them, may name them meanwhile)."""
    return not user.is_active and not (
        user.pk is not None
        and user.invitations.filter(waits_for__status="waiting", sent_at__isnull=True, accepted_at__isnull=True).exists()
    )


# -- approvals that would reach nobody -------------------------------------------------------------


def _can_approve(user: User | None, *, person_pk: int, without: set[int]) -> bool:
    return (user is not None and user.pk not in without and user.pk != person_pk and user.is_active
            and user.role == User.Role.LINE_MANAGER)


def routes_nowhere(person: User, *, without: Iterable[int] = ()) -> bool:
    """Whether this person's approvals would reach nobody, if the people in `without` were gone.

    Only for people who record decisions. Away does not count: it is temporary, and the agency's
    other managers (or the deputy) cover it.
    """
    without = set(without)
    if not person.is_active or person.role not in AGENCY_ROLES:
        return False
    manager = person.line_manager if person.line_manager_id else None
    if _can_approve(manager, person_pk=person.pk, without=without):
        return False
    deputy = manager.deputy if manager is not None and manager.deputy_id else None
    if _can_approve(deputy, person_pk=person.pk, without=without):
        return False
    if person.agency_id is None:
        return True
    others = User.objects.filter(agency_id=person.agency_id, role=User.Role.LINE_MANAGER, is_active=True)
    return not others.exclude(pk__in={person.pk, *without}).exists()


def left_without_approver(user: User) -> list[User]:
    """People whose approvals reach somebody now but would reach nobody without `user` as a line manager."""
    if user.role != User.Role.LINE_MANAGER or not user.is_active:
        return []
    candidates = User.objects.filter(is_active=True, role__in=AGENCY_ROLES).exclude(pk=user.pk)
    if user.agency_id is not None and not cross_agency_allowed():
        candidates = candidates.filter(agency_id=user.agency_id)
    candidates = candidates.select_related("line_manager", "line_manager__deputy").order_by("first_name", "username")
    return [p for p in candidates if not routes_nowhere(p) and routes_nowhere(p, without={user.pk})]


class RoutingCheck:
    """`routes_nowhere` for a whole page of people in a few queries (the People list)."""

    def __init__(self) -> None:
        managers = User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True).values_list("pk", "agency_id")
        self.managers: set[int] = set()
        self.per_agency: dict[int | None, int] = {}
        for pk, agency_id in managers:
            self.managers.add(pk)
            self.per_agency[agency_id] = self.per_agency.get(agency_id, 0) + 1

    def routes_nowhere(self, person: User) -> bool:
        """As the function of that name; `person` needs `line_manager` selected."""
        if not person.is_active or person.role not in AGENCY_ROLES:
            return False
        manager = person.line_manager if person.line_manager_id else None
        if manager is not None and manager.pk in self.managers and manager.pk != person.pk:
            return False
        if manager is not None and manager.deputy_id in self.managers and manager.deputy_id != person.pk:
            return False
        if person.agency_id is None:
            return True
        mine = 1 if person.pk in self.managers else 0
        return self.per_agency.get(person.agency_id, 0) - mine <= 0
