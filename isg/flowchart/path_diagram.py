"""The flowchart diagram with one walk's path highlighted, for a decision page or a case-study walk.

    diagram = decision_path_diagram(decision, flowchart, outcome_title=text.title, viewer_is_owner=True)
    {% include "components/path_diagram.html" with diagram=diagram %}

The SVG comes from `render_svg` (cached there by flowchart, path and id prefix, so a page shown
again does not run Graphviz again). The flowchart is the one the caller passes: for a decision,
the version it was made under (`flowchart_for(decision.flowchart_id)`), never the live one, so the
boxes and arrows are the ones the practitioner was shown. If Graphviz cannot draw it, `error` holds
the sentence to show instead and the rest of the page is unaffected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from isg.engine import NOT_SURE, URGENT_NODE, Flowchart
from isg.engine.diagram import step_pair

from .diagram import DiagramUnavailable, render_svg
from .services import current_flowchart

# One prefix per kind of page: each page shows one path diagram, and a fixed prefix lets every
# decision with the same path share one cached SVG. Callers showing two on a page pass their own.
DECISION_PREFIX = "isg-decision-path"
WALK_PREFIX = "isg-walk-path"
WHOLE_PAGE_LIST = "The same information is given as a list below."
PATH_LISTED = "Every question on this path, with its answer, is listed above."


@dataclass(frozen=True)
class PathDiagram:
    """What templates/components/path_diagram.html shows. `svg` is scrubbed markup or ""."""

    id_prefix: str
    heading: str  # the details element's summary
    summary: str  # one line: how many questions, the detours, the outcome
    svg: str = ""
    error: str = ""  # why the diagram is not shown, for the page
    version: str = ""  # the flowchart version drawn
    live_version: str = ""  # the live version, when it is not the one drawn ("" otherwise)


def path_summary(steps: Iterable[object], outcome_title: str, *, lead: str) -> str:
    """'Your path went through 13 questions, with advice after “I'm not sure”, to the outcome: X.'

    Questions are counted once however often they were answered (a question answered "I'm not
    sure" is answered again after advice); the urgent button is not a question.
    """
    pairs = [step_pair(step) for step in steps]
    questions = {node for node, _ in pairs if node != URGENT_NODE}
    not_sure = sum(1 for node, answer in pairs if node != URGENT_NODE and answer == NOT_SURE)
    extras = []
    if any(node == URGENT_NODE for node, _ in pairs):
        extras.append("the urgent button pressed")
    if not_sure:
        times = "" if not_sure == 1 else f" ({not_sure} times)"
        extras.append(f"advice sought after “I'm not sure”{times}")
    detours = f", with {' and '.join(extras)}," if extras else ""
    count = f"{len(questions)} question{'' if len(questions) == 1 else 's'}"
    ending = f" to the outcome: {outcome_title}." if outcome_title else ", and has not reached an outcome."
    return f"{lead} {count}{detours}{ending}"


def path_diagram(
    flowchart: Flowchart, steps: Iterable[object], *, id_prefix: str, heading: str, summary: str,
) -> PathDiagram:
    """Draw `steps` on `flowchart`; a DiagramUnavailable becomes `error`, never an exception."""
    svg, error = "", ""
    try:
        svg = render_svg(flowchart, steps, id_prefix=id_prefix)
    except DiagramUnavailable as exc:
        # render_svg has logged the cause. Its message points to a list below the diagram (the
        # whole-flowchart page); here the path's answers are listed above, on the page itself.
        error = f"{exc.message.removesuffix(WHOLE_PAGE_LIST).rstrip()} {PATH_LISTED}"
    live = current_flowchart()
    return PathDiagram(
        id_prefix=id_prefix, heading=heading, summary=summary, svg=svg, error=error, version=flowchart.version,
        live_version=live.version if live.sha256 != flowchart.sha256 else "",
    )


def decision_path_diagram(
    decision, flowchart: Flowchart, *, outcome_title: str, viewer_is_owner: bool = True, id_prefix: str = DECISION_PREFIX,
) -> PathDiagram:
    """A recorded decision's own path, on the flowchart it was made under (the caller passes
    `flowchart_for(decision.flowchart_id)`). A reader who is not the owner sees "this decision's path"."""
    steps = decision.steps
    who = "your" if viewer_is_owner else "this decision's"
    return path_diagram(
        flowchart, steps, id_prefix=id_prefix,
        heading=f"See {who} path on the flowchart diagram",
        summary=path_summary(steps, outcome_title, lead=f"{who.capitalize()} path went through"),
    )


def walk_path_diagram(flowchart: Flowchart, walk, *, outcome_title: str, id_prefix: str = WALK_PREFIX) -> PathDiagram:
    """A case study's worked walk (its steps, with any urgent press or "I'm not sure")."""
    return path_diagram(
        flowchart, walk.steps, id_prefix=id_prefix,
        heading="See this walk on the flowchart diagram",
        summary=path_summary(walk.steps, outcome_title, lead="This walk goes through"),
    )
