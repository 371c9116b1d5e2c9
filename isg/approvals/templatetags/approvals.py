"""`{% load approvals %}`: small display helpers for approval pages."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def stored_date(value: str) -> str:
    """A date as the record stores it (ISO, "2027-03-27") as people read it ("27 March 2027")."""
    try:
        return datetime.date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return value
