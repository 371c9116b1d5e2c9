"""`{% load approvals %}`: small display helpers for approval pages."""

from __future__ import annotations

import datetime

from django import template
from django.db.models import Q

from isg.approvals.handover import WAITING
from isg.approvals.models import Approval
from isg.approvals.services import route_approver

register = template.Library()


@register.filter
def stored_date(value: str) -> str:
    """A date as the record stores it (ISO, "2027-03-27") as people read it ("27 March 2027")."""
    try:
        return datetime.date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return value


# The administrator's People pages (isg/accounts/people_views.py) show what a person means for the
# approvals: the pages are the accounts app's, below this one, so their templates ask here.


@register.simple_tag
def approvals_go_to(person) -> str:
    """Who approves `person`'s decisions now, in words; "" for someone who makes none."""
    if not person.can_make_decisions:
        return ""
    approver, routed_by = route_approver(person)
    if approver is not None:
        return f"{approver.display_name} ({'their line manager' if routed_by == 'line_manager' else 'deputy'})"
    return "Any line manager of their agency (the agency's queue)"


@register.simple_tag
def waiting_for_approval_by(person) -> int:
    """How many decisions wait for `person`'s approval (routed or escalated to them): each is handed
    over if they stop managing."""
    return Approval.objects.filter(Q(approver=person) | Q(escalated_to=person), decision__status__in=WAITING).count()
