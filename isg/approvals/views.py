"""Approvals for line managers: the queue, and one decision's approve / return / do not approve page.

Thin: state changes are in services.py. Each page works as plain HTML forms; htmx only swaps
the queue's table or the decision form in place.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from isg.access.services import decision_for, may
from isg.decisions import history
from isg.decisions.display import answer_rows, record_rows, why_outcome
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import StaleDecision
from isg.flowchart.services import flowchart_for
from isg.lib.htmx import see_other, wants_fragment

from . import handover, policy, services, withdrawal
from .display import approval_status, since_return
from .forms import DecideForm, HandOverForm, WithdrawForm

ALREADY_ACTED = (
    "Someone else acted on this decision first, or it changed in another tab, so what you entered "
    "was not applied. Here is where the decision stands now."
)
# What the approver is told after each result (the answers themselves are the flowchart's).
DONE = {
    "approved": "You approved the decision. The practitioner has been told they may share.",
    "returned": "You returned the decision with your question. The practitioner has been told.",
    "not_approved": "You did not approve the decision. The practitioner has been told not to share.",
    "escalated": "You did not agree, so the decision has gone to the next approver. The practitioner has been "
                 "told, and that they may still refer directly.",
    "agreed": "You agreed with the sharing. The practitioner has been told.",
    "disagreed": "You disagreed with the sharing. The sharing stands; the data protection officer has been asked "
                 "to assess it, and the practitioner has been told.",
}
SHOW = {"all": "Everything waiting", "urgent": "Emergency and overdue only"}


@require_GET
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    """The manager's queue: emergency and overdue first, then oldest. htmx refreshes the table in place."""
    show = request.GET.get("show", "all")
    show = show if show in SHOW else "all"
    waiting = services.queue_for(request.user, show=show)
    flowcharts = {}
    resubmitted = set(DecisionEvent.objects.filter(
        decision__in=[a.decision_id for a in waiting], kind=DecisionEvent.Kind.RESUBMITTED,
    ).values_list("decision_id", flat=True))
    for approval in waiting:
        decision = approval.decision
        flowchart = flowcharts.setdefault(decision.flowchart_id, flowchart_for(decision.flowchart_id))
        found = flowchart.outcome(decision.outcome)
        approval.outcome_title = found.text_for(decision.state, flowchart).title if found else decision.outcome
        agency = decision.agency or decision.owner.agency
        approval.agency_name = agency.name if agency else ""
        approval.resubmitted = decision.pk in resubmitted  # returned with a question, and sent back
    context = {"waiting": waiting, "escalations": services.escalations_for(request.user), "show": show, "shows": SHOW,
               "covering": services.covering_for(request.user), "led": services.led_agency_waiting(request.user)}
    template = "approvals/queue.html#queue-results" if wants_fragment(request) else "approvals/queue.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def decide(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One decision, in full, with the approver's form while it is waiting."""
    decision = _decision(request, public_id)
    answers = services.answers_for(decision) if decision.is_waiting else ()
    form = DecideForm(request.POST if request.method == "POST" else None, answers=answers,
                      initial={"revision": decision.revision})
    if request.method == "POST" and not decision.is_waiting:
        # Decided meanwhile (another approver, another tab): say so, and show where it stands.
        messages.error(request, ALREADY_ACTED)
        return see_other(request, reverse("approvals:decide", args=[decision.public_id]))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        revision = data.get("revision")
        revision = -1 if revision is None else revision  # a post without the revision seen is never current
        try:
            transition = services.decide(
                decision, request.user, data["action"], data["reason"], revision,
                review_owner=data.get("review_owner") or "", review_date=data.get("review_date"),
            )
        except StaleDecision:
            messages.error(request, ALREADY_ACTED)
            return see_other(request, reverse("approvals:decide", args=[decision.public_id]))
        except (services.NotAllowed, policy.NotOffered):
            messages.error(request, "You cannot act on this decision: it is yours, it is not routed to you, "
                                    "or it is no longer waiting.")
            return see_other(request, reverse("approvals:decide", args=[decision.public_id]))
        messages.success(request, DONE[transition.result])
        return see_other(request, reverse("approvals:queue"))
    if request.method == "POST" and wants_fragment(request):
        return render(request, "approvals/decide.html#decide-form", _context(request, decision, form))
    history.viewed(request, decision)
    return render(request, "approvals/decide.html", _context(request, decision, form))


@require_http_methods(["GET", "POST"])
def hand_over(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Hand one waiting item to another line manager of the agency, with a reason."""
    decision = decision_for(request, public_id, "hand_over")
    candidates = handover.eligible_approvers(decision)
    form = HandOverForm(request.POST if request.method == "POST" else None, candidates=candidates,
                        initial={"revision": decision.revision})
    if request.method == "POST" and form.is_valid():
        revision = form.cleaned_data.get("revision")
        try:
            approval = handover.hand_to(decision, request.user, form.chosen(), form.cleaned_data["reason"],
                                        -1 if revision is None else revision)
        except StaleDecision:
            messages.error(request, ALREADY_ACTED)
            return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
        except handover.CannotHandOver as refused:
            form.add_error("to", str(refused))
        else:
            messages.success(request, f"You handed it to {approval.approver.display_name}. They have been told.")
            return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
    status = 400 if request.method == "POST" else 200
    return render(request, "approvals/hand_over.html", {
        "decision": decision, "form": form, "approval_status": approval_status(decision, flowchart_for(decision.flowchart_id)),
    }, status=status)


ALREADY_WITHDRAWN = "This decision had already been withdrawn (perhaps by a second click), so it was withdrawn once. Here it is."
CHANGED_MEANWHILE = ("This decision changed since you opened the page (an approver may have acted on it), so it was "
                     "not withdrawn. Here is where it stands now.")


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The owner withdraws a decision submitted in error, before anything was shared, with a reason."""
    decision = decision_for(request, public_id, "edit")
    outcome_url = reverse("decisions:outcome", args=[decision.public_id])
    if decision.status == Decision.Status.WITHDRAWN:
        messages.info(request, ALREADY_WITHDRAWN)
        return see_other(request, outcome_url)
    refused = withdrawal.why_not(decision)
    if refused:
        messages.error(request, refused)
        return see_other(request, outcome_url)
    form = WithdrawForm(request.POST if request.method == "POST" else None, initial={"revision": decision.revision})
    if request.method == "POST" and form.is_valid():
        revision = form.cleaned_data.get("revision")
        try:
            withdrawal.withdraw(decision, request.user, form.cleaned_data["reason"], -1 if revision is None else revision)
        except StaleDecision:
            decision.refresh_from_db()
            messages.error(request, ALREADY_WITHDRAWN if decision.status == Decision.Status.WITHDRAWN else CHANGED_MEANWHILE)
            return see_other(request, outcome_url)
        except withdrawal.CannotWithdraw as cannot:
            messages.error(request, str(cannot))
            return see_other(request, outcome_url)
        except services.ReasonRequired as missing:
            form.add_error("reason", str(missing))
        else:
            messages.success(request, "You withdrew the decision. It is kept with its history, and the approver "
                                      "no longer has it to act on." if decision.requires_approval else
                                      "You withdrew the decision. It is kept with its history.")
            return see_other(request, outcome_url)
    history.viewed(request, decision)
    flowchart = flowchart_for(decision.flowchart_id)
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    return render(request, "approvals/withdraw.html", {
        "decision": decision, "form": form, "outcome_url": outcome_url,
        "outcome_title": outcome.text_for(decision.state, flowchart).title if outcome else "",
        "approval_status": approval_status(decision, flowchart),
    }, status=400 if request.method == "POST" else 200)


def _decision(request: HttpRequest, public_id: UUID) -> Decision:
    checked = getattr(request, "access_decision", None)
    if checked is not None and checked.public_id == public_id:
        return checked
    return decision_for(request.user, public_id, "approve")


def _context(request: HttpRequest, decision: Decision, form: DecideForm) -> dict:
    flowchart = flowchart_for(decision.flowchart_id)
    outcome = flowchart.outcome(decision.outcome)
    can_act = decision.is_waiting and services.may_act(request.user, decision)
    rows = answer_rows(decision, flowchart, change=False)
    since = since_return(decision, flowchart, request.user)
    why = why_outcome(decision, flowchart, changed=since.changed if since else frozenset())
    deciding = {item["node"] for item in why["answers"]} if why else set()
    return {
        "decision": decision, "flowchart": flowchart, "outcome": outcome,
        "text": outcome.text_for(decision.state, flowchart) if outcome else None,
        "rows": rows, "record_rows": record_rows(decision, flowchart),
        # The approver's page leads with why: the rule's answers, then the practitioner's own reasons for them.
        "why": why, "since_return": since, "changed_label": since.label if since else "",
        "may_see_history": bool(since and not since.known) and may(request.user, decision, "history"),
        "reasons": [(row.question, row.rationale) for row in rows if row.node in deciding and row.rationale],
        "approval_status": approval_status(decision, flowchart), "form": form, "can_act": can_act,
        "viewer_is_owner": request.user.pk == decision.owner_id, "fragment": wants_fragment(request),
        "can_hand_over": may(request.user, decision, "hand_over"),
    }
