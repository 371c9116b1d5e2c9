"""The case-study library: list and filter, read a case, follow its worked walks, train on them.

Training keeps the trainee's answers in the session only (see `training.py`): it never creates a
decision, so nothing a trainee does appears in records or reports.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from isg.engine import URGENT_NODE, Flowchart, InvalidStep, Step, is_complete
from isg.flowchart.path_diagram import walk_path_diagram
from isg.flowchart.services import current_flowchart
from isg.lib.htmx import see_other, wants_fragment

from . import training
from .content import CaseStudy, Vocabulary, Walk, WalkStep
from .filters import cards, filter_cases
from .forms import WRONG_QUESTION, LibraryFilterForm, TrainingForm
from .services import current_library

TRAINING_STEP = "training-step"
RESTARTED = "The flowchart has changed since you started this training run, so it has started again."


def _case(case_id: str) -> CaseStudy:
    case = current_library().case(case_id)
    if case is None:
        raise Http404("There is no case study with that id.")
    return case


def _case_and_walk(case_id: str, walk_id: str) -> tuple[CaseStudy, Walk]:
    case = _case(case_id)
    walk = case.walk(walk_id)
    if walk is None:
        raise Http404("This case study has no walk with that id.")
    return case, walk


@require_GET
@vary_on_headers("HX-Request")
def library(request: HttpRequest) -> HttpResponse:
    """All examples, filtered by the GET form; htmx swaps in only `#casestudy-results`."""
    loaded, flowchart = current_library(), current_flowchart()
    form = LibraryFilterForm(request.GET, library=loaded, flowchart=flowchart)
    form.is_valid()  # unknown values were already dropped; an invalid search reads as no search
    wanted = form.library_filter()
    template = "casestudies/library.html#casestudy-results" if wants_fragment(request) else "casestudies/library.html"
    return render(request, template, {
        "form": form, "wanted": wanted,
        "cards": cards(filter_cases(loaded.cases, wanted), loaded.vocabulary, flowchart),
    })


@require_GET
def case_detail(request: HttpRequest, case_id: str) -> HttpResponse:
    case, flowchart = _case(case_id), current_flowchart()
    return render(request, "casestudies/case.html", {
        "case": case, "terms": _terms(case, current_library().vocabulary),
        "stated_outcome": flowchart.outcome(case.stated_outcome) if case.stated_outcome else None,
        "questions": [(node_id, training.step_question(flowchart, node_id)) for node_id in case.nodes_illustrated],
        "walks": [(walk, flowchart.outcome(walk.expected_outcome)) for walk in case.walks],
    })


@require_GET
def walk_overview(request: HttpRequest, case_id: str, walk_id: str) -> HttpResponse:
    case, walk = _case_and_walk(case_id, walk_id)
    flowchart = current_flowchart()
    outcome = flowchart.outcome(walk.expected_outcome)
    return render(request, "casestudies/walk.html", {
        "case": case, "walk": walk, "outcome": outcome,
        "steps": [_walk_step(flowchart, step) for step in walk.steps],
        "path_diagram": walk_path_diagram(flowchart, walk, outcome_title=outcome.title if outcome else ""),
    })


@require_GET
def walk_step(request: HttpRequest, case_id: str, walk_id: str, number: int) -> HttpResponse:
    """One worked step per page; the last one shows where the walk leads."""
    case, walk = _case_and_walk(case_id, walk_id)
    if not 1 <= number <= len(walk.steps):
        raise Http404("This walk has no step with that number.")
    flowchart = current_flowchart()
    is_last = number == len(walk.steps)
    return render(request, "casestudies/walk_step.html", {
        "case": case, "walk": walk, "number": number, "total": len(walk.steps),
        "step": _walk_step(flowchart, walk.steps[number - 1]),
        "previous": _walk_step(flowchart, walk.steps[number - 2]) if number > 1 else None,
        "next": None if is_last else _walk_step(flowchart, walk.steps[number]),
        "outcome": flowchart.outcome(walk.expected_outcome) if is_last else None,
    })


@require_GET
def training_start(request: HttpRequest, case_id: str, walk_id: str) -> HttpResponse:
    """Carry on where the trainee left off: the next unanswered question, or their results."""
    case, walk = _case_and_walk(case_id, walk_id)
    flowchart = current_flowchart()
    return redirect(_training_next_url(flowchart, case, walk, _training_steps(request, flowchart, case, walk)))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def training_step(request: HttpRequest, case_id: str, walk_id: str, number: int) -> HttpResponse:
    """Question `number` of a training run; answering it moves on, and re-answering it
    differently drops the later answers, which may no longer be on the trainee's route."""
    case, walk = _case_and_walk(case_id, walk_id)
    flowchart = current_flowchart()
    steps = _training_steps(request, flowchart, case, walk)
    position = training.replayed(flowchart, steps[: number - 1]) if 1 <= number <= len(steps) + 1 else None
    if position is None or is_complete(flowchart, position):
        if request.method == "POST":
            messages.error(request, WRONG_QUESTION)
        return see_other(request, _training_next_url(flowchart, case, walk, steps))
    node = flowchart.node(position.at)
    previous = steps[number - 1].answer if number <= len(steps) else None
    data = request.POST if request.method == "POST" else None
    form = TrainingForm(data, node=node, state=position.state, initial={"node": node.id, "answer": previous})
    if form.is_valid():
        try:
            steps = training.answer_step(flowchart, steps, number - 1, node.id, form.cleaned_data["answer"])
        except (training.WrongQuestion, InvalidStep):
            form.add_error("node", WRONG_QUESTION)
        else:
            training.save_steps(request.session, training.run_key(case, walk), steps)
            next_url, done = _training_next_url(flowchart, case, walk, steps), _is_finished(flowchart, steps)
            return see_other(request, next_url, swap_into=None if done else TRAINING_STEP)
    template = "casestudies/training_step.html" + (f"#{TRAINING_STEP}" if wants_fragment(request) else "")
    return render(request, template, _training_context(request, flowchart, case, walk, steps, number, form))


@require_GET
def training_results(request: HttpRequest, case_id: str, walk_id: str) -> HttpResponse:
    case, walk = _case_and_walk(case_id, walk_id)
    flowchart = current_flowchart()
    steps = _training_steps(request, flowchart, case, walk)
    if not _is_finished(flowchart, steps):
        return redirect(_training_next_url(flowchart, case, walk, steps))
    return render(request, "casestudies/training_results.html", {
        "case": case, "walk": walk, "comparison": training.compare(flowchart, walk, steps), "last_number": len(steps),
    })


@require_POST
def training_restart(request: HttpRequest, case_id: str, walk_id: str) -> HttpResponse:
    case, walk = _case_and_walk(case_id, walk_id)
    training.clear_steps(request.session, training.run_key(case, walk))
    return redirect("casestudies:train-step", case_id=case.id, walk_id=walk.id, number=1)


# -- helpers ----------------------------------------------------------------------------------


def _walk_step(flowchart: Flowchart, step: WalkStep) -> dict[str, object]:
    """A worked step with the flowchart's wording, for the walk-through templates."""
    return {
        "node": step.node, "is_urgent": step.node == URGENT_NODE, "commentary": step.commentary,
        "question": training.step_question(flowchart, step.node), "hint": training.step_hint(flowchart, step.node),
        "answer": training.step_answer(flowchart, step.node, step.answer),
    }


def _terms(case: CaseStudy, vocabulary: Vocabulary) -> list[tuple[str, list[str]]]:
    """Subjects, agencies and themes as labelled lists, leaving out any the case has none of."""
    groups = [("Subjects", case.subjects, vocabulary.subjects), ("Agencies", case.agencies, vocabulary.agencies),
              ("Themes", case.themes, vocabulary.themes)]
    return [(name, [labels.get(term, term) for term in terms]) for name, terms, labels in groups if terms]


def _training_steps(request: HttpRequest, flowchart: Flowchart, case: CaseStudy, walk: Walk) -> tuple[Step, ...]:
    """The stored run; one the live flowchart no longer accepts is cleared, with a message."""
    key = training.run_key(case, walk)
    steps = training.stored_steps(request.session, key)
    if training.replayed(flowchart, steps) is None:
        training.clear_steps(request.session, key)
        messages.warning(request, RESTARTED)
        return ()
    return steps


def _is_finished(flowchart: Flowchart, steps: tuple[Step, ...]) -> bool:
    position = training.replayed(flowchart, steps)
    return position is not None and is_complete(flowchart, position)


def _training_next_url(flowchart: Flowchart, case: CaseStudy, walk: Walk, steps: tuple[Step, ...]) -> str:
    if _is_finished(flowchart, steps):
        return reverse("casestudies:train-results", args=[case.id, walk.id])
    return reverse("casestudies:train-step", args=[case.id, walk.id, len(steps) + 1])


def _training_context(request: HttpRequest, flowchart: Flowchart, case: CaseStudy, walk: Walk,
                      steps: tuple[Step, ...], number: int, form: TrainingForm) -> dict:
    earlier = steps[: number - 1]
    model = training.model_step_for(walk, earlier, form.node.id)
    return {
        "case": case, "walk": walk, "node": form.node, "form": form, "number": number,
        "fragment": wants_fragment(request), "model": model,
        "model_answer": training.step_answer(flowchart, model.node, model.answer) if model else "",
        "earlier": [(training.step_question(flowchart, s.node), training.step_answer(flowchart, s.node, s.answer)) for s in earlier],
        "back_url": reverse("casestudies:train-step", args=[case.id, walk.id, number - 1]) if number > 1
        else reverse("casestudies:case", args=[case.id]),
    }
