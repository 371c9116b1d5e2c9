"""The practitioner's walk: start, one question per page, urgent guidance, restart.

The check answers page, where the walk is submitted, and the outcome page, which shows where its
approval stands, are isg/approvals/decision_views.py: they read the approvals, above this app."""

from __future__ import annotations

import uuid
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from isg.access.services import decision_for
from isg.engine import START, URGENT_NODE, InvalidStep, replay
from isg.flowchart.services import current_flowchart, flowchart_for
from isg.lib.htmx import see_other, wants_fragment

from . import history, services
from .display import answer_rows, current_url, step_url
from .forms import QuestionForm, StartForm
from .models import Decision

QUESTION_STEP = "question-step"
STALE_MESSAGE = "This decision changed in another window or tab, so your last answer was not saved. Check this page and answer again."
ALREADY_STARTED_MESSAGE = "You had already started this decision, so no second copy was made. Here is where you are."
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


def newer_flowchart(decision: Decision | None):
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
        "newer_flowchart": newer_flowchart(decision),
    }


def _posted(request: HttpRequest):
    """The POST data, bound even when empty, so an empty submission shows its errors."""
    return request.POST if request.method == "POST" else None
