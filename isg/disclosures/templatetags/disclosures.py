"""`{% disclosure_record as record %}`: what the outcome page's "What was shared" section needs.

The decision page includes disclosures/_record.html, which asks this tag: the decisions app
never imports this one.
"""

from __future__ import annotations

from django import template

from isg.access.rules import rule_for
from isg.access.services import may
from isg.disclosures import services

register = template.Library()


def _allowed(user, url_name: str, decision) -> bool:
    rule = rule_for(url_name)
    return rule is not None and rule.allows_role(user) and may(user, decision, rule.action)


@register.simple_tag(takes_context=True)
def disclosure_record(context) -> dict:
    """The shares and tellings, whether the section shows at all, and the owner's links (never a link that 403s)."""
    decision, user = context["decision"], context["request"].user
    found = services.disclosures_for(decision)
    permission = services.sharing_allowed(decision)
    owner = _allowed(user, "disclosures:share", decision)
    return {
        "shares": found.shares, "telling": found.telling, "earlier_tellings": found.earlier_tellings,
        "show": permission.allowed or bool(found.shares or found.tellings),
        "may_share": owner and (permission.allowed or permission.emergency_possible),
        "may_tell": owner and (permission.allowed or bool(found.shares)),
        "emergency_possible": permission.emergency_possible,
    }
