"""The decision page's "Follow-up actions", for those who may add one (its owner, or the line manager
responsible for it now): the actions added to it, and the link to add another while one may be.

What the record's own "Follow-up actions" box says is shown beside them: free text names no owner or
date ISG can read, so the page offers to add it as a task (the add page starts from those words)."""

from __future__ import annotations

from django import template

from isg.access.services import may
from isg.followups import services
from isg.followups.models import FollowUp

register = template.Library()


@register.inclusion_tag("followups/_actions.html", takes_context=True)
def follow_up_actions(context, decision) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user is not None and may(user, decision, "follow_up"))
    may_add = allowed and not services.action_refusal(decision)
    actions = list(FollowUp.objects.filter(decision=decision, kind=FollowUp.Kind.ACTION)
                   .select_related("owner").order_by("due_at", "pk")) if allowed else []
    written = (decision.record.get("follow_up") or "").strip() if allowed else ""
    return {"decision": decision, "may_add": may_add, "actions": actions, "written": written,
            "viewer_id": user.pk if allowed else None}
