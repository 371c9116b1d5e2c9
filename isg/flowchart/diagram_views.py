"""The "How the flowchart works" page and the whole flowchart as an SVG file.

Both are generated from the live YAML. The page shows the diagram inline (so the stylesheet can
style it) with a full text alternative; if Graphviz is missing or too slow the page says so and
still shows the text alternative.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from isg.engine.diagram import outline

from .diagram import DiagramUnavailable, render_svg, svg_document
from .services import current_flowchart

PAGE_DIAGRAM_ID = "isg-diagram"


@require_GET
def how_it_works(request: HttpRequest) -> HttpResponse:
    """Context: `flowchart`, `outline` (questions, answers, outcomes), `urgent_target` (the question
    the urgent button leads to), `svg` (scrubbed SVG markup, or "")
    and `diagram_error` (a sentence for the page when the diagram cannot be drawn)."""
    flowchart = current_flowchart()
    svg, error = "", ""
    try:
        svg = render_svg(flowchart, id_prefix=PAGE_DIAGRAM_ID)
    except DiagramUnavailable as exc:
        error = exc.message
    plan = outline(flowchart)
    return render(request, "flowchart/how_it_works.html", {
        "flowchart": flowchart,
        "outline": plan,
        "urgent_target": plan.question(flowchart.urgent.next),
        "svg": svg,
        "diagram_error": error,
    })


@require_GET
def diagram_svg(request: HttpRequest) -> HttpResponse:
    """The whole live flowchart as an .svg file (503 with a plain message if it cannot be drawn)."""
    flowchart = current_flowchart()
    try:
        svg = render_svg(flowchart, id_prefix=PAGE_DIAGRAM_ID)
    except DiagramUnavailable as exc:
        response = HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "300"
        return response
    response = HttpResponse(svg_document(svg), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="isg-flowchart-{_safe(flowchart.version)}.svg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _safe(version: str) -> str:
    return "".join(c for c in version if c.isalnum() or c in ".-_") or "unknown"
