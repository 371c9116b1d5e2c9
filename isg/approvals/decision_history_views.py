"""A decision's History page and its amendments: who did what, when, with old and new answers.

Pages of the "decisions" namespace (isg/urls.py adds them to isg/decisions/urls.py), here because the
history tells what every app above the decision did to it: approvals, follow-ups, disclosures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from isg.access.services import decision_for, sees_review_flags
from isg.decisions import history
from isg.decisions.display import current_url, field_details
from isg.decisions.models import Decision, DecisionEvent
from isg.engine import URGENT_NODE, Flowchart
from isg.flowchart.services import flowchart_for
from isg.followups.models import FollowUp
from isg.lib.forms import ErrorSummaryMixin, PlainTextField
from isg.lib.htmx import see_other

# Text an approver or practitioner wrote into an approval event (isg/approvals), by payload key.
_TEXT_KEYS = {"question": "Question", "answer": "Reply", "reason": "Reason", "text": "Correction", "note": "Note"}
_PAGES = {
    "decisions:outcome": "the decision page", "decisions:history": "this history", "decisions:amend": "the amendment page",
    "decisions:check": "the check answers page", "decisions:question": "a question page",
}


# Flags for audit or learning review (isg/reviews): listed only for those who see the flags.
REVIEW_KINDS = (DecisionEvent.Kind.REVIEW_FLAGGED, DecisionEvent.Kind.REVIEW_FLAG_CLEARED)
_PURPOSES = {"audit": "Audit", "learning": "Learning review"}


def _decision(request: HttpRequest, public_id: UUID, action: str) -> Decision:
    """The decision if this user may do `action` on it (the access table's rule); 404 otherwise."""
    return decision_for(request, public_id, action)  # reuses the access middleware's lookup


@dataclass
class Answered:
    question: str
    answer: str
    rationale: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Entry:
    """One line of the timeline."""

    event: DecisionEvent
    title: str
    new: Answered | None = None  # the answer given (or dropped)
    old: Answered | None = None  # for a change: the answer it replaced
    details: list[tuple[str, str]] = field(default_factory=list)


def _answered(flowchart: Flowchart, node_id: str, answer_id: str, data: dict) -> Answered:
    if node_id == URGENT_NODE:
        return Answered("Someone in danger now", "Yes: the urgent button was pressed")
    try:
        node = flowchart.node(node_id)
    except KeyError:
        return Answered(node_id, answer_id, data.get("rationale", ""))
    answer = node.answer(answer_id)
    return Answered(
        question=node.question, answer=answer.label if answer else answer_id, rationale=data.get("rationale", ""),
        details=field_details(node.fields, data.get("fields", {})),
    )


def entries(decision: Decision, flowchart: Flowchart) -> list[Entry]:
    """Every event of the decision, oldest first, in words."""
    found = []
    for event in decision.events.select_related("actor").order_by("id"):
        kind, payload = event.kind, event.payload
        entry = Entry(event, event.get_kind_display())
        if event.node and kind in ("started", "answered", "changed", "dropped", "urgent"):
            entry.new = _answered(flowchart, event.node, event.answer, payload)
            previous = payload.get("previous")
            if kind == "changed" and isinstance(previous, dict):
                entry.old = _answered(flowchart, previous.get("node", event.node), previous.get("answer", ""), previous)
        if kind == "record_updated" and isinstance(payload.get("record"), dict):
            entry.details = field_details(flowchart.terminal.fields, payload["record"])
        if kind in ("submitted", "resubmitted") and payload.get("outcome"):
            outcome = flowchart.outcome(payload["outcome"])
            entry.details = [("Outcome", outcome.text_for(payload.get("state", {}), flowchart).title if outcome else payload["outcome"])]
        if kind == "superseded":
            entry.details = [("Restarted under flowchart version", str(payload.get("flowchart_version", "")))]
        if kind in REVIEW_KINDS:
            entry.details = [("For", _PURPOSES.get(payload.get("purpose", ""), "Review"))]
        if kind == "viewed":
            entry.details = [("Page", _PAGES.get(payload.get("page", ""), "a page showing this decision"))]
        if kind in _FOLLOW_UP_KINDS:
            entry.details = _follow_up_details(payload)
        entry.details += [(label, payload[key]) for key, label in _TEXT_KEYS.items() if isinstance(payload.get(key), str)]
        # Events that carry their own lines in words (isg/disclosures: what was shared, who was told).
        if isinstance(payload.get("details"), list):
            entry.details += [(str(pair[0]), str(pair[1])) for pair in payload["details"] if len(pair) == 2]
        found.append(entry)
    return found


_FOLLOW_UP_KINDS = (DecisionEvent.Kind.FOLLOW_UP_OPENED, DecisionEvent.Kind.FOLLOW_UP_MOVED,
                    DecisionEvent.Kind.FOLLOW_UP_COMPLETED)


def _follow_up_details(payload: dict) -> list[tuple[str, str]]:
    """A task's lines (isg/followups): which task, whose, and when it is due (UK time)."""
    details = []
    kind = payload.get("follow_up_kind")
    if kind:
        details.append(("Task", dict(FollowUp.Kind.choices).get(kind, str(kind))))
    if payload.get("owner"):
        details.append(("Whose", str(payload["owner"])))
    for key, label in (("moved_from", "Was due by"), ("due_at", "Due by")):
        when = parse_datetime(str(payload.get(key) or ""))
        if when is not None:
            details.append((label, f"{timezone.localtime(when):%-d %B %Y, %H:%M}"))
    return details


SHOW_VIEWS = "views"  # ?views=shown lists each time someone viewed the decision; hidden by default


@require_GET
def decision_history(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Every event, oldest first. Views are many and say little, so they are counted and listed only
    when asked for (a plain link, `?views=shown`); every other event always shows."""
    decision = _decision(request, public_id, "history")
    flowchart = flowchart_for(decision.flowchart_id)
    history.viewed(request, decision)  # before listing, so this visit shows in the list it belongs to
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    everything = entries(decision, flowchart)
    if not sees_review_flags(request.user, decision):
        everything = [e for e in everything if e.event.kind not in REVIEW_KINDS]
    view_count = sum(1 for e in everything if e.event.kind == DecisionEvent.Kind.VIEWED)
    views_shown = request.GET.get(SHOW_VIEWS) == "shown"
    listed = everything if views_shown else [e for e in everything if e.event.kind != DecisionEvent.Kind.VIEWED]
    here = reverse("decisions:history", args=[decision.public_id])
    return render(request, "decisions/history.html", {
        "decision": decision, "flowchart": flowchart, "entries": listed,
        "outcome_title": outcome.text_for(decision.state, flowchart).title if outcome else "",
        "back_url": current_url(decision, flowchart),
        "views_shown": views_shown, "view_count": view_count,
        "show_views_url": f"{here}?{SHOW_VIEWS}=shown#history", "hide_views_url": f"{here}#history",
    })


class AmendForm(ErrorSummaryMixin, forms.Form):
    reason = PlainTextField(
        label="Why does the record need correcting?", max_length=2000,
        help_text="For example, a date was wrong or a detail was left out. Do not enter names.",
        error_messages={"required": "Enter why the record needs correcting"},
    )
    text = PlainTextField(
        label="The correction", max_length=5000,
        help_text="Say what was wrong and what is right. The original record stays as it is; this is added after it.",
        error_messages={"required": "Enter the correction"},
    )


@require_http_methods(["GET", "POST"])
def amend(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Add a correction to a recorded decision: reason and text required; the original is kept."""
    decision = _decision(request, public_id, "amend")
    flowchart = flowchart_for(decision.flowchart_id)
    if decision.status in (Decision.Status.DRAFT, Decision.Status.RETURNED, Decision.Status.SUPERSEDED):
        if decision.status != Decision.Status.SUPERSEDED:
            messages.info(request, "This decision can still be changed: change the answers themselves instead of amending it.")
        return redirect(current_url(decision, flowchart))
    form = AmendForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            history.amend(decision=decision, actor=request.user, **form.cleaned_data)
        except PermissionError:
            raise Http404 from None
        messages.success(request, "Your amendment was added to the record. The original answers are unchanged.")
        return see_other(request, reverse("decisions:outcome", args=[decision.public_id]) + "#amendments")
    history.viewed(request, decision)
    outcome = flowchart.outcome(decision.outcome) if decision.outcome else None
    return render(request, "decisions/amend.html", {
        "decision": decision, "form": form,
        "outcome_title": outcome.text_for(decision.state, flowchart).title if outcome else "",
    })
