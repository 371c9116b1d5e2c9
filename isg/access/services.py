"""Which decisions a person may see, and what they may do to one: the record half of the access rules.

Every decision lookup in a view goes through `decision_for`, every list through
`decisions_visible_to` (and `Decision.objects.visible_to`, which delegates here). Out of scope
means 404, never 403, so an id reveals nothing about whether its record exists.

Visibility (design section 4):
- practitioners: their own decisions, drafts included;
- line managers: their own, their direct reports' submitted ones (same agency), the ones they are
  the current approver of (`approvals.Approval.approver`), their agency's queue (approver not set),
  and, read-only, the ones they acted on as an approver (access follows current responsibility: a
  deputy who covered an item keeps only what they acted on);
- data protection officers: the decisions whose follow-ups they own (a breach assessment), read-only;
- partnership (LSCB): every submitted decision of the partnership, read-only;
- trainers and administrators: none.

Approving is for the one current approver only; amending is for the decision's owner only (others
return it with a question). A follow-up action is added by the owner or the line manager responsible now.
"""

from __future__ import annotations

from uuid import UUID

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from isg.accounts.models import User
from isg.decisions import lifecycle
from isg.decisions.models import Decision, DecisionEvent

from .rules import ACTIONS

# Drafts (and drafts restarted under a newer flowchart) are the practitioner's working notes:
# only the owner sees them.
UNSUBMITTED = (Decision.Status.DRAFT, Decision.Status.SUPERSEDED)
READ_ACTIONS = ("view", "history", "export")


def _approval_model():
    """`approvals.Approval` if that app is installed (it may land after this one), else None."""
    if not apps.is_installed("isg.approvals"):
        return None
    try:
        return apps.get_model("approvals", "Approval")
    except LookupError:
        return None


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


# The events an approver leaves when they act on a decision: what they acted on, they may still read.
APPROVER_KINDS = (
    DecisionEvent.Kind.APPROVED, DecisionEvent.Kind.NOT_APPROVED, DecisionEvent.Kind.RETURNED,
    DecisionEvent.Kind.REFERRED_UP, DecisionEvent.Kind.REVIEW_AGREED, DecisionEvent.Kind.REVIEW_DISAGREED,
)
WAITING = lifecycle.WAITING


def _managed_q(user) -> Q:
    """Submitted decisions a line manager holds now (direct reports', current approver, agency queue)
    or acted on as an approver."""
    if not user.agency_id:
        return Q(pk__in=[])  # a manager outside every agency manages nobody's records
    scope = Q(owner__line_manager=user, owner__agency_id=user.agency_id)
    approval = _approval_model()
    if approval is not None:
        routed = approval.objects.filter(approver=user).values("decision_id")
        queue = approval.objects.filter(approver__isnull=True, decision__agency_id=user.agency_id).values("decision_id")
        acted = DecisionEvent.objects.filter(actor=user, kind__in=APPROVER_KINDS).values("decision_id")
        scope |= Q(pk__in=routed) | Q(pk__in=queue) | Q(pk__in=acted)
    if user.is_designated_safeguarding_lead:
        scope |= _led_q(user)
    return scope & ~Q(status__in=UNSUBMITTED)


def _led_q(user) -> Q:
    """A designated safeguarding lead's agency's waiting items: theirs to hand over while they wait."""
    return Q(agency_id=user.agency_id, status__in=WAITING)


def leads_safeguarding_for(user, decision: Decision) -> bool:
    """Whether `user` is the designated safeguarding lead of the agency `decision` belongs to."""
    return bool(user.role == User.Role.LINE_MANAGER and user.is_designated_safeguarding_lead and user.agency_id
                and user.agency_id == decision.agency_id)


def _follow_ups_q(user) -> Q:
    """Decisions whose follow-ups this person owns (a colleague's action, a named review, a data
    protection officer's breach assessment)."""
    if not apps.is_installed("isg.followups"):
        return Q(pk__in=[])
    follow_up = apps.get_model("followups", "FollowUp")
    return Q(pk__in=follow_up.objects.filter(owner=user).values("decision_id")) & ~Q(status__in=UNSUBMITTED)


def visible_q(user) -> Q | None:
    """The filter for the decisions this user may read; None when they may read none."""
    if not _signed_in(user):
        return None
    # A follow-up task someone owns (an action a colleague gave them, a review they were named for)
    # lets them read the decision it belongs to: the task's link must open.
    if user.role == User.Role.PRACTITIONER:
        return Q(owner=user) | _follow_ups_q(user)
    if user.role == User.Role.LINE_MANAGER:
        return Q(owner=user) | _managed_q(user) | _follow_ups_q(user)
    if user.role == User.Role.PARTNERSHIP:
        return ~Q(status__in=UNSUBMITTED)
    if user.role == User.Role.DATA_PROTECTION_OFFICER:
        return _follow_ups_q(user)
    return None  # trainers, administrators, and any role added later


def decisions_visible_to(user, queryset: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    """Deny by default: the decisions this user may read (of `queryset`, all by default)."""
    decisions = Decision.objects.all() if queryset is None else queryset
    q = visible_q(user)
    return decisions.none() if q is None else decisions.filter(q)


def _managed(user, decision: Decision) -> bool:
    return (user.role == User.Role.LINE_MANAGER
            and Decision.objects.filter(pk=decision.pk).filter(_managed_q(user)).exists())


def _current_approver(user, decision: Decision) -> bool:
    """The one person who may act on a waiting decision now: the approver it is routed to, or, in the
    agency's queue, a line manager of that agency. Not someone away, and never its author."""
    if user.role != User.Role.LINE_MANAGER or decision.owner_id == user.pk or decision.status not in WAITING:
        return False
    if getattr(user, "is_away", False):
        return False
    approval = _approval_model()
    found = approval.objects.filter(decision_id=decision.pk).values_list("approver_id", flat=True).first() \
        if approval is not None else None
    if approval is None or not approval.objects.filter(decision_id=decision.pk).exists():
        return False
    if found is not None:
        return found == user.pk
    return user.agency_id is not None and user.agency_id == decision.agency_id


def may(user, decision: Decision, action: str) -> bool:
    """Whether `user` may do `action` to `decision`. Status rules (is it still editable?) belong
    to the services that change it; this answers only "is it theirs to act on"."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _signed_in(user):
        return False
    own = decision.owner_id == user.pk and user.can_make_decisions
    if action == "edit":
        return own
    if action == "approve":
        # Segregation of duties: never the author; while it waits, the one current approver. A
        # manager who acted on it before (or was away and handed it on) may still read it below.
        return decision.owner_id != user.pk and (_current_approver(user, decision) or (
            decision.status not in WAITING and _managed(user, decision)))
    if action == "amend":
        # Only the owner corrects their own record; an approver returns it with a question instead.
        return own
    if action == "hand_over":
        # A waiting item may be handed on by the one who holds it, by the practitioner's own line
        # manager (back from leave, or covering a colleague's queue), or by the agency's designated
        # safeguarding lead; never by its author or someone away.
        return (decision.owner_id != user.pk and decision.status in WAITING and not getattr(user, "is_away", False)
                and (_current_approver(user, decision) or _managed(user, decision)
                     or leads_safeguarding_for(user, decision)))
    if action == "follow_up":
        # Adding a follow-up action (isg/followups): the owner, or the line manager responsible for the
        # submitted decision now: the owner's own line manager in their agency, or, while it waits, its
        # one current approver. Never someone away.
        if own:
            return True
        if user.role != User.Role.LINE_MANAGER or decision.status in UNSUBMITTED or getattr(user, "is_away", False):
            return False
        owner = decision.owner
        return _current_approver(user, decision) or (
            owner.line_manager_id == user.pk and user.agency_id is not None and owner.agency_id == user.agency_id)
    # view, history, export: anyone who may read it
    return decisions_visible_to(user).filter(pk=decision.pk).exists()


def sees_review_flags(user, decision: Decision) -> bool:
    """Whether `user` sees the flags for audit or learning review on `decision` (isg/reviews): the
    partnership, and the line managers of the decision's agency, where they may read the decision."""
    if not _signed_in(user):
        return False
    if user.role == User.Role.PARTNERSHIP:
        pass
    elif not (user.role == User.Role.LINE_MANAGER and user.agency_id and user.agency_id == decision.agency_id):
        return False
    return decisions_visible_to(user).filter(pk=decision.pk).exists()


def may_flag_for_review(user, decision: Decision) -> bool:
    """Whether `user` may flag `decision` for review, or clear a flag: partnership staff only, on a
    submitted decision they may read."""
    return (_signed_in(user) and user.role == User.Role.PARTNERSHIP
            and decisions_visible_to(user).filter(pk=decision.pk).exists())


def decision_for(request_or_user, public_id, action: str = "view") -> Decision:
    """The decision with this public id if the user may do `action` to it; Http404 otherwise.

    Given the request, it reuses the decision the access middleware already checked for this URL
    when that check asked the same question (one query per page, not two).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    try:
        public_id = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise Http404("No such decision.") from None
    if isinstance(request_or_user, HttpRequest):
        request, user = request_or_user, request_or_user.user
        checked, rule = getattr(request, "access_decision", None), getattr(request, "access_rule", None)
        if checked is not None and rule is not None and rule.action == action and checked.public_id == public_id:
            return checked
    else:
        user = request_or_user
    decision = decisions_visible_to(user).filter(public_id=public_id).first()
    if decision is None:
        raise Http404("No such decision.")
    # Found among the visible ones is enough to read it; anything more is asked of `may`.
    if action not in READ_ACTIONS and not may(user, decision, action):
        raise Http404("No such decision.")
    return decision
