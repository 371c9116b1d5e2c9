"""The practitioner's walk: start, one question per page, check answers, outcome."""

from __future__ import annotations

import re
import uuid
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from isg.access.services import decision_for, may
from isg.approvals import services as approvals
from isg.approvals import withdrawal
from isg.approvals.display import approval_status, panel
from isg.approvals.forms import ReturnAnswerForm
from isg.engine import START, URGENT_NODE, InvalidStep, replay
from isg.flowchart.path_diagram import decision_path_diagram
from isg.flowchart.services import current_flowchart, flowchart_for
from isg.lib.htmx import see_other, wants_fragment

from . import history, services
from .display import answer_rows, current_url, record_rows, step_url, why_outcome
from .forms import QuestionForm, RecordForm, StartForm
from .models import Decision, DecisionEvent

QUESTION_STEP = "question-step"
STALE_MESSAGE = "This decision changed in another window or tab, so your last answer was not saved. Check this page and answer again."
ALREADY_STARTED_MESSAGE = "You had already started this decision, so no second copy was made. Here is where you are."
ALREADY_SUBMITTED_MESSAGE = "This decision had already been submitted (perhaps by a second click), so it was recorded once. Here it is."
JUST_STARTED = "isg_just_started"  # session key: the draft this browser started last


def _decision(request: HttpRequest, public_id: UUID, action: str) -> Decision:
    """The decision if this user may do `action` to it (isg/access); 404 otherwise, so ids reveal nothing."""
    return decision_for(request, public_id, action)


def _require_decision_maker(request: HttpRequest) -> None:
    if not request.user.can_make_decisions:
        raise PermissionDenied("Only practitioners and line managers record information-sharing decisions.")


def _question_template(request: HttpRequest) -> str:
    return "decisions/question.html#question-step" if wants_fragment(request) else "decisions/question.html"


@require_GET
def my_decisions(request: HttpRequest) -> HttpResponse:
    _require_decision_maker(request)
    # "My decisions": the user's own, even when they may read others' (a manager's reports').
    decisions = Decision.objects.visible_to(request.user).filter(owner=request.user)
    recorded = list(decisions.recorded().select_related("approval", "approval__approver", "approval__escalated_to"))
    for decision in recorded:
        flowchart = flowchart_for(decision.flowchart_id)
        found = flowchart.outcome(decision.outcome)
        decision.outcome_title = found.text_for(decision.state, flowchart).title if found else decision.outcome
        decision.approval_row = getattr(decision, "approval", None)
    # Returned and escalated decisions are still open: they come first, with who has them and when.
    still_open = (Decision.Status.RETURNED, Decision.Status.ESCALATED)
    return render(request, "decisions/mine.html", {
        "drafts": [(d, current_url(d, flowchart_for(d.flowchart_id))) for d in decisions.drafts()],
        "returned": [d for d in recorded if d.status == Decision.Status.RETURNED],
        "escalated": [d for d in recorded if d.status == Decision.Status.ESCALATED],
        "recorded": [d for d in recorded if d.status not in still_open],
        "superseded": list(decisions.superseded().select_related("replaced_by")),
    })


@require_GET
def urgent_guidance(request: HttpRequest) -> HttpResponse:
    """Who to contact now, before any record exists."""
    return render(request, "decisions/urgent.html", {"urgent": current_flowchart().urgent, "decision": None})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def new_decision(request: HttpRequest) -> HttpResponse:
    """The first page. Idempotent: the form's one-time token makes a repeated post find the draft it made.

    "Record another decision for this case" arrives as `?another=<decision id>`, so the case
    reference itself never appears in a URL.
    """
    _require_decision_maker(request)
    flowchart = current_flowchart()
    node = flowchart.node(START)
    urgent = request.GET.get("urgent") == "1"
    initial = {"start_token": uuid.uuid4()}
    another = _another_for(request)
    if another is not None:
        initial["case_reference"] = another.case_reference
    form = StartForm(_posted(request), node=node, state={}, initial=initial)
    if form.is_valid():
        decision = services.decision_start(
            owner=request.user, case_reference=form.cleaned_data["case_reference"], step=form.step(),
            urgent=urgent, start_token=form.cleaned_data["start_token"], follows=another,
        )
        request.session[JUST_STARTED] = str(decision.public_id)
        if decision.already_started:
            messages.info(request, ALREADY_STARTED_MESSAGE)
            return see_other(request, current_url(decision, flowchart_for(decision.flowchart_id)))
        # The urgent guidance came first (it is how this page was reached): go straight on to the record.
        return see_other(request, current_url(decision, flowchart), swap_into=QUESTION_STEP)
    if form.errors.get("start_token"):
        # A stale or forged token: offer a fresh one with the answers as given.
        form.data = form.data.copy()
        form.data["start_token"] = str(uuid.uuid4())
    return render(request, _question_template(request), {
        "flowchart": flowchart, "node": node, "form": form, "decision": None, "index": 0,
        "question": form.question, "hint": node.hint_for({}), "more": node.more_for({}), "fragment": wants_fragment(request),
        "post_url": request.get_full_path(), "back_url": reverse("decisions:mine"), "rows": [],
        "urgent_started": urgent, "just_started": _just_started(request), "another": another,
    })


def _another_for(request: HttpRequest) -> Decision | None:
    """The decision named by `?another=`, if this user may see it: its case reference is reused."""
    try:
        public_id = UUID(request.GET.get("another", ""))
    except ValueError:
        return None
    return Decision.objects.visible_to(request.user).filter(owner=request.user, public_id=public_id).first()


def _just_started(request: HttpRequest) -> tuple[Decision, str] | None:
    """The draft this browser began last, if it is still a draft: Back to the first page offers it."""
    public_id = request.session.get(JUST_STARTED)
    if not public_id:
        return None
    decision = Decision.objects.visible_to(request.user).drafts().filter(public_id=public_id).first()
    if decision is None:
        return None
    return decision, current_url(decision, flowchart_for(decision.flowchart_id))


@require_GET
def resume(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = _decision(request, public_id, "view")
    return redirect(current_url(decision, flowchart_for(decision.flowchart_id)))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def question(request: HttpRequest, public_id: UUID, index: int, node_id: str) -> HttpResponse:
    """One flowchart question. With htmx, a valid answer comes back as the next question's fragment."""
    decision = _decision(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    if not _is_open_step(decision, flowchart, index, node_id):
        if decision.is_editable:
            messages.warning(request, "That question is not the next one in this decision. Here is where you are now.")
        return see_other(request, current_url(decision, flowchart))
    form = _question_form(_posted(request), decision, flowchart, index, node_id)
    if form.is_valid():
        try:
            services.decision_answer(
                decision=decision, actor=request.user, index=index, step=form.step(), revision=_revision(form, decision),
            )
            return _after_answer(request, decision, flowchart)
        except services.StaleDecision:
            messages.error(request, STALE_MESSAGE)
            decision.refresh_from_db()
            return see_other(request, current_url(decision, flowchart))
        except InvalidStep as exc:
            form.add_error("answer", f"That answer is not allowed here: {exc.reason}")
    return _render_question(request, decision, flowchart, form, index, request.get_full_path())


@require_POST
def press_urgent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = _decision(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    if not decision.is_draft or decision.current_node == flowchart.terminal.id:
        messages.warning(request, "This walk is finished, so the urgent button no longer applies. If someone is in danger now, act first, then start a new decision.")
        return redirect("decisions:urgent-guidance")
    try:
        pressed = services.decision_press_urgent(decision=decision, actor=request.user, revision=_posted_revision(request))
    except services.StaleDecision:
        messages.error(request, STALE_MESSAGE)
        return redirect(current_url(decision, flowchart))
    if pressed is None:
        messages.info(request, "This decision is already marked as an emergency: nothing was added to it.")
    return see_other(request, reverse("decisions:urgent", args=[decision.public_id]))


@require_POST
def restart(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Restart a draft made under an older flowchart under the live one; the old draft is kept, superseded."""
    decision = _decision(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    if not decision.is_draft:
        return redirect(current_url(decision, flowchart) if not decision.is_superseded
                        else reverse("decisions:outcome", args=[decision.public_id]))
    try:
        new = services.decision_restart(decision=decision, actor=request.user, revision=_posted_revision(request))
    except services.StaleDecision:
        messages.error(request, STALE_MESSAGE)
        return redirect(current_url(decision, flowchart))
    except services.DecisionNotEditable:
        return redirect(current_url(decision, flowchart))
    except InvalidStep:
        messages.warning(request, "The newer flowchart no longer offers your first answer, so start the decision again.")
        return redirect(f"{reverse('decisions:new')}?another={decision.public_id}")
    request.session[JUST_STARTED] = str(new.public_id)
    messages.success(request, f"This decision now follows flowchart version {new.flowchart_version}. "
                              f"Your first answer was copied; the draft under version {decision.flowchart_version} is kept in your history.")
    return redirect(current_url(new, flowchart_for(new.flowchart_id)))


@require_GET
def urgent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = _decision(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    return render(request, "decisions/urgent.html", {
        "urgent": flowchart.urgent, "decision": decision, "continue_url": current_url(decision, flowchart),
        "flowchart": flowchart,
    })


@require_http_methods(["GET", "POST"])
def check_answers(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Check answers, give the closing details and record; refused with every gap listed."""
    decision = _decision(request, public_id, "edit")
    flowchart = flowchart_for(decision.flowchart_id)
    if not decision.is_editable:
        return redirect("decisions:outcome", public_id=decision.public_id)
    form = RecordForm(_posted(request), node=flowchart.terminal, state=decision.state,
                      initial={**decision.record, "revision": decision.revision})
    # A returned decision: the approver's question is answered on this page, before resubmitting.
    question = approvals.pending_question(decision)
    answer_form = ReturnAnswerForm(_posted(request)) if question is not None else None
    gaps = []
    if form.is_valid():
        try:
            # The details are kept even when the record is not yet complete: nothing typed is lost.
            services.decision_save_record(
                decision=decision, actor=request.user, record=form.record_values(), revision=_revision(form, decision),
            )
            if answer_form is not None and answer_form.is_valid():
                approvals.answer_return(
                    decision, request.user, answer_form.cleaned_data["return_answer"], decision.revision,
                )
            services.decision_submit(decision=decision, actor=request.user, revision=decision.revision)
            return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
        except services.StaleDecision:
            decision.refresh_from_db()
            if not decision.is_editable:
                # A double click, or another tab: the first submission stands and there is one result.
                messages.info(request, ALREADY_SUBMITTED_MESSAGE)
                return see_other(request, reverse("decisions:outcome", args=[decision.public_id]))
            messages.error(request, STALE_MESSAGE)
            return redirect("decisions:check", public_id=decision.public_id)
        except services.IncompleteDecision as exc:
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
    decision = _decision(request, public_id, "view")
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
    from dataclasses import replace as with_fields

    items = [item for item in outcome.what_to_do_items if item.applies_to(decision.state)]
    if decision.status == Decision.Status.AWAITING_APPROVAL and decision.approval_mode == "before_sharing":
        keep = [item for item in items if item.tags & {"referral", "before_approval"}]
    else:
        keep = [item for item in items if "before_approval" not in item.tags]
    return with_fields(text, what_to_do=tuple(item.text for item in keep))


def _allowed(request: HttpRequest, url_name: str, decision: Decision | None = None) -> bool:
    """Whether this person's role and this record let them reach `url_name` (no link that answers 403)."""
    from isg.access.rules import rule_for

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


# -- helpers ----------------------------------------------------------------------------------


def _question_form(data, decision: Decision, flowchart, index: int, node_id: str) -> QuestionForm:
    """The form for step `index`, in the state the walk had before it, showing any earlier answer."""
    steps = decision.steps
    before = replay(flowchart, steps[:index])
    previous = steps[index] if index < len(steps) else None
    return QuestionForm(data, node=flowchart.node(node_id), state=before.state, initial=_initial(previous, decision.revision))


def _render_question(request, decision: Decision, flowchart, form: QuestionForm, index: int, post_url: str) -> HttpResponse:
    context = _question_context(request, decision, flowchart, form, index)
    context["post_url"] = post_url
    history.viewed(request, decision)  # drafts are skipped; a returned decision's pages are logged
    return render(request, _question_template(request), context)


def _after_answer(request: HttpRequest, decision: Decision, flowchart) -> HttpResponse:
    """Where a saved answer leads: the next question (one round trip with htmx), check answers or outcome."""
    next_url = current_url(decision, flowchart)
    if not (wants_fragment(request) and next_url == _next_question_url(decision)):
        return see_other(request, next_url)
    index = len(decision.path)
    form = _question_form(None, decision, flowchart, index, decision.current_node)
    return push_url(_render_question(request, decision, flowchart, form, index, next_url), next_url)


def _is_open_step(decision: Decision, flowchart, index: int, node_id: str) -> bool:
    """A draft's (or returned decision's) step page exists for each answered step and the current question."""
    if not decision.is_editable:
        return False
    if index < len(decision.path):
        return decision.path[index]["node"] == node_id
    return index == len(decision.path) and node_id == decision.current_node and node_id != flowchart.terminal.id


def _next_question_url(decision: Decision) -> str:
    return step_url(decision, len(decision.path), decision.current_node)


def _initial(previous, revision: int) -> dict:
    """Initial values: the answer already given at this step, if any, and the revision seen."""
    if previous is None:
        return {"revision": revision}
    return {"answer": previous.answer, "rationale": previous.data.get("rationale", ""),
            **previous.data.get("fields", {}), "revision": revision}


def _revision(form, decision: Decision) -> int:
    """The revision the page was shown at. A post without one is never taken as current: it is stale."""
    revision = form.cleaned_data.get("revision")
    return -1 if revision is None else revision


def _posted_revision(request: HttpRequest) -> int:
    try:
        return int(request.POST["revision"])
    except (KeyError, ValueError):
        return -1


def _newer_flowchart(decision: Decision | None):
    """The live flowchart, when this draft was started under an older one; None otherwise."""
    if decision is None or not decision.is_draft:
        return None
    live = current_flowchart()
    return live if live.sha256 != decision.flowchart_id else None


def _question_context(request, decision, flowchart, form, index) -> dict:
    earlier = [i for i in range(index) if decision.path[i]["node"] != URGENT_NODE] if decision else []
    if request.GET.get("return") == "check":
        back_url = reverse("decisions:check", args=[decision.public_id])
    elif earlier:
        back_url = step_url(decision, earlier[-1], decision.path[earlier[-1]]["node"])
    else:
        back_url = reverse("decisions:mine")
    node = form.node
    return {
        "decision": decision, "flowchart": flowchart, "node": node, "form": form, "index": index,
        "question": form.question, "hint": node.hint_for(form.state), "more": node.more_for(form.state), "fragment": wants_fragment(request),
        "post_url": request.get_full_path(), "back_url": back_url,
        "rows": answer_rows(decision, flowchart, upto=index, change=False),
        "newer_flowchart": _newer_flowchart(decision),
    }


def _check_context(decision: Decision, flowchart, form: RecordForm, gaps: list) -> dict:
    complete = decision.current_node == flowchart.terminal.id
    outcome = flowchart.outcome_for(decision.state) if complete else None
    return {
        "decision": decision, "flowchart": flowchart, "rows": answer_rows(decision, flowchart), "form": form,
        "complete": complete, "gap_links": _gap_links(decision, gaps), "continue_url": current_url(decision, flowchart),
        "outcome": outcome, "text": outcome.text_for(decision.state, flowchart) if outcome else None,
        "mode": outcome.approval_mode_for(decision.state) if outcome else "none",
        "dropped_count": decision.events.filter(kind=DecisionEvent.Kind.DROPPED).count(),
        "newer_flowchart": _newer_flowchart(decision),
    }


def _gap_links(decision: Decision, gaps) -> list[tuple[str, str]]:
    links = []
    for gap in gaps:
        if gap.index is None:
            links.append((gap.message, f"#id_{gap.field}"))
        else:
            links.append((gap.message, f"{step_url(decision, gap.index, gap.node)}?return=check"))
    return links


def _posted(request: HttpRequest):
    """The POST data, bound even when empty, so an empty submission shows its errors."""
    return request.POST if request.method == "POST" else None
