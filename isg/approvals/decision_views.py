"""The decision's check answers and outcome pages: where the walk is submitted, and what came of it.

They are the walk's pages (the "decisions" namespace, under /decisions/: isg/urls.py adds them to
isg/decisions/urls.py), but they show and change the approval, so they live here, above the
decisions app: the approver's question answered before resubmitting, who it will go to, where the
approval stands, and withdrawing a decision submitted in error.
"""

from __future__ import annotations

import re
from dataclasses import replace as with_fields
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from isg.access.rules import rule_for
from isg.access.services import decision_for, may
from isg.decisions import history
from isg.decisions.display import answer_rows, current_url, record_rows, step_url, why_outcome
from isg.decisions.forms import RecordForm
from isg.decisions.models import Decision, DecisionEvent
from isg.decisions.services import IncompleteDecision, StaleDecision, decision_save_record
from isg.decisions.views import STALE_MESSAGE, newer_flowchart
from isg.flowchart.path_diagram import decision_path_diagram
from isg.flowchart.services import flowchart_for
from isg.lib.htmx import see_other

from . import services as approvals
from . import withdrawal
from .display import approval_status, panel
from .forms import ReturnAnswerForm
from .submission import decision_submit

ALREADY_SUBMITTED_MESSAGE = "This decision had already been submitted (perhaps by a second click), so it was recorded once. Here it is."


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Check answers, give the closing details and record; refused with every gap listed."""
    decision = decision_for(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    if not decision.is_editable:
        return redirect("decisions:outcome", public_id=decision.public_id)
    posted = request.POST if request.method == "POST" else None  # bound even when empty: its errors show
    form = RecordForm(posted, node=flowchart.terminal, state=decision.state,
                      initial={**decision.record, "revision": decision.revision})
    # A returned decision: the approver's question is answered on this page, before resubmitting.
    question = approvals.pending_question(decision)
    answer_form = ReturnAnswerForm(posted) if question is not None else None
    gaps = []
    if form.is_valid():
        try:
            # The details are kept even when the record is not yet complete: nothing typed is lost.
            decision_save_record(
                decision=decision, actor=request.user, record=form.record_values(), revision=_revision(form),
            )
            if answer_form is not None and answer_form.is_valid():
                approvals.answer_return(
                    decision, request.user, answer_form.cleaned_data["return_answer"], decision.revision,
                )
            decision_submit(decision=decision, actor=request.user, revision=decision.revision)
            return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
        except StaleDecision:
            decision.refresh_from_db()
            if not decision.is_editable:
                # A double click, or another tab: the first submission stands and there is one result.
                messages.info(request, ALREADY_SUBMITTED_MESSAGE)
                return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
            messages.error(request, STALE_MESSAGE)
            return redirect("decisions:check", public_id=decision.public_id)
        except IncompleteDecision as exc:
            gaps = exc.gaps
            # The details were saved (a new revision): the page shown again must carry it, or the
            # next press would be refused as stale.
            form.data = form.data.copy()
            form.data["revision"] = str(decision.revision)
    history.viewed(request, decision)
    context = _check_context(decision, flowchart, form, gaps)
    context.update(question=question, answer_form=answer_form or ReturnAnswerForm(),
                   route=approvals.route_approver(decision.owner))
    return render(request, "decisions/check.html", context)


@require_GET
def outcome(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = decision_for(request, public_id, "view")
    flowchart = flowchart_for(decision.flowchart_id)
    if decision.is_draft:
        return redirect(current_url(decision, flowchart))
    rows = answer_rows(decision, flowchart, change=False)
    history.viewed(request, decision)  # every page showing a recorded decision's content logs who saw it
    if decision.is_superseded:
        return render(request, "decisions/superseded.html", {
            "decision": decision, "flowchart": flowchart, "rows": rows, "replacement": decision.replaced_by,
        })
    outcome = flowchart.outcome(decision.outcome)
    text = outcome.text_for(decision.state, flowchart)
    viewer_is_owner = request.user.pk == decision.owner_id
    status = approval_status(decision, flowchart)
    return render(request, "decisions/outcome.html", {
        "decision": decision, "flowchart": flowchart, "outcome": outcome,
        "text": _instructions(text, outcome, decision),
        "outcome_mode": outcome.approval_mode_for(decision.state),
        "show_instructions": decision.status not in INSTRUCTIONS_HIDDEN,
        "rows": rows, "record_rows": record_rows(decision, flowchart),
        "amendments": list(decision.amendments.select_related("author")),
        "approval_status": status, "viewer_is_owner": viewer_is_owner,
        "panel": panel(status, text.title, viewer_is_owner=viewer_is_owner),
        "why": why_outcome(decision, flowchart),
        "may_amend": not decision.is_editable and may(request.user, decision, "amend"),
        "can_hand_over": may(request.user, decision, "hand_over"),
        "links": _record_links(request, decision, viewer_is_owner),
        "back": _back_link(request, decision, viewer_is_owner),
        # Drawn on the flowchart this decision was made under; render_svg caches it.
        "path_diagram": decision_path_diagram(decision, flowchart, outcome_title=text.title, viewer_is_owner=viewer_is_owner),
    })


# The page's "what to do" would contradict the status: the status panel says what to do instead.
INSTRUCTIONS_HIDDEN = (Decision.Status.NOT_APPROVED, Decision.Status.RETURNED, Decision.Status.DISAGREED,
                       Decision.Status.RESOLVED, Decision.Status.WITHDRAWN)


def _instructions(text, outcome, decision: Decision):
    """The outcome's texts with "what to do" fitted to where the decision stands.

    While it waits for approval, only what does not wait shows (referral lines, and lines about
    the approval itself); once approved, the lines about waiting for approval no longer apply.
    """
    items = [item for item in outcome.what_to_do_items if item.applies_to(decision.state)]
    if decision.status == Decision.Status.AWAITING_APPROVAL and decision.approval_mode == "before_sharing":
        keep = [item for item in items if item.tags & {"referral", "before_approval"}]
    else:
        keep = [item for item in items if "before_approval" not in item.tags]
    return with_fields(text, what_to_do=tuple(item.text for item in keep))


def _allowed(request: HttpRequest, url_name: str, decision: Decision | None = None) -> bool:
    """Whether this person's role and this record let them reach `url_name` (no link that answers 403)."""
    rule = rule_for(url_name)
    if rule is None or not rule.allows_role(request.user):
        return False
    return decision is None or rule.record is None or may(request.user, decision, rule.action)


def _record_links(request: HttpRequest, decision: Decision, viewer_is_owner: bool) -> list[tuple[str, str, str]]:
    links = []
    if _allowed(request, "decisions:history", decision):
        links.append((reverse("decisions:history", args=[decision.public_id]), "History of this decision",
                      ": who did what, and when"))
    if _allowed(request, "records:pdf", decision):
        links.append((reverse("records:pdf", args=[decision.public_id]), "Download the decision record (PDF)",
                      ": every answer, the outcome, approvals and amendments, marked OFFICIAL-SENSITIVE; the download "
                      "is recorded in the history"))
    if viewer_is_owner and _allowed(request, "approvals:withdraw", decision) and not withdrawal.why_not(decision):
        links.append((reverse("approvals:withdraw", args=[decision.public_id]), "Withdraw this decision",
                      " if you submitted it in error: nothing has been shared yet"))
    if viewer_is_owner and _allowed(request, "decisions:new"):
        links.append((f"{reverse('decisions:new')}?another={decision.public_id}", "Record another decision for this case",
                      " (for example a different recipient, person or piece of information)."))
    return links


def _back_link(request: HttpRequest, decision: Decision, viewer_is_owner: bool) -> tuple[str, str] | None:
    if viewer_is_owner and _allowed(request, "decisions:mine"):
        return reverse("decisions:mine"), "Back to my decisions"
    if approvals.may_act(request.user, decision) and _allowed(request, "approvals:queue"):
        return reverse("approvals:queue"), "Back to approvals"
    if _allowed(request, "register:list"):
        return reverse("register:list") + _register_query(request.GET.get(REGISTER_BACK, "")), "Back to the register"
    return None


REGISTER_BACK = "back"  # the register page a reader came from: its filter query, never a URL (isg/register)
_FILTER_NAME = re.compile(r"[a-z][a-z0-9_-]{0,29}")


def _register_query(raw: str) -> str:
    """The register's own filter query a decision was opened from ("?agency=north&status=approved"),
    rebuilt from names and values only: the back link always goes to the register's own path, so
    nothing in it can send the reader elsewhere. A filter the register does not know shows its own
    error there; search words never travel (the register keeps them behind a token)."""
    if not raw or len(raw) > 2000:
        return ""
    params = QueryDict(raw, mutable=True)
    kept = QueryDict(mutable=True)
    for name, values in params.lists():
        if _FILTER_NAME.fullmatch(name) and name != "q":
            kept.setlist(name, [value[:200] for value in values[:100]])  # several agencies, answers: all kept
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else ""


def _check_context(decision: Decision, flowchart, form: RecordForm, gaps: list) -> dict:
    complete = decision.current_node == flowchart.terminal.id
    outcome = flowchart.outcome_for(decision.state) if complete else None
    return {
        "decision": decision, "flowchart": flowchart, "rows": answer_rows(decision, flowchart), "form": form,
        "complete": complete, "gap_links": _gap_links(decision, gaps), "continue_url": current_url(decision, flowchart),
        "outcome": outcome, "text": outcome.text_for(decision.state, flowchart) if outcome else None,
        "mode": outcome.approval_mode_for(decision.state) if outcome else "none",
        "dropped_count": decision.events.filter(kind=DecisionEvent.Kind.DROPPED).count(),
        "newer_flowchart": newer_flowchart(decision),
    }


def _gap_links(decision: Decision, gaps) -> list[tuple[str, str]]:
    links = []
    for gap in gaps:
        if gap.index is None:
            links.append((gap.message, f"#id_{gap.field}"))
        else:
            links.append((gap.message, f"{step_url(decision, gap.index, gap.node)}?return=check"))
    return links


def _revision(form) -> int:
    """The revision the page was shown at. A post without one is never taken as current: it is stale."""
    revision = form.cleaned_data.get("revision")
    return -1 if revision is None else revision
