"""The decision page's "Follow-up actions": the actions added to it, and, for its owner while one may
be added, the link to add another (isg/followups/views.add_action)."""

from __future__ import annotations

from django import template

from isg.followups import services
from isg.followups.models import FollowUp

register = template.Library()


@register.inclusion_tag("followups/_actions.html", takes_context=True)
def follow_up_actions(context, decision) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    is_owner = bool(user is not None and user.is_authenticated and decision.owner_id == user.pk)
    may_add = is_owner and user.can_make_decisions and not services.action_refusal(decision)
    actions = list(FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.ACTION)
                   .select_related("owner").order_by("due_at", "pk")) if is_owner else []
    return {"decision": decision, "may_add": may_add, "actions": actions}
