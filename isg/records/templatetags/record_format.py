"""Filters for the PDF record: the record dict holds ISO times; people read local ones."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def when(value: str) -> str:
    """'2026-11-30T11:20:05+00:00' as '30 November 2026, 11:20' in the app's time zone; '' stays ''."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j F Y, H:i")


@register.filter
def yes_no(value) -> str:
    return "Yes" if value else "No"


@register.filter
def day(value: str) -> str:
    """'2026-03-27' as '27 March 2026'; '' stays ''."""
    if not value:
        return ""
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return str(value)
