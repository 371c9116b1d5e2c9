"""`{% load reviews %}{% review_flags decision %}`: a decision's flags for review, for those who see them."""

from __future__ import annotations

from django import template

from isg.access.services import may_flag_for_review, sees_review_flags
from isg.reviews import services

register = template.Library()


@register.inclusion_tag("reviews/_flags.html", takes_context=True)
def review_flags(context, decision) -> dict:
    """The flags section of a decision page: nothing at all for anyone who may not see flags."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if decision is None or user is None or not sees_review_flags(user, decision):
        return {"shown": False}
    flags = services.flags_for(decision)
    return {
        "shown": True, "decision": decision, "flags": flags, "has_open": any(f.is_open for f in flags),
        "may_flag": may_flag_for_review(user, decision),
    }
