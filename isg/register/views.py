"""The decision register: submitted decisions across the partnership (LSCB) or a manager's scope.

One GET page. The filter form works as a plain form; htmx swaps `#register-body` in place and
pushes the URL, so every filtered view and page is a link that can be reloaded or shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart, flowchart_for
from isg.lib.htmx import wants_fragment

from . import services
from .filters import RegisterFilterForm


@dataclass(frozen=True)
class Row:
    decision: Decision
    outcome_title: str
    overdue: bool


@require_GET
@vary_on_headers("HX-Request")
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET, flowchart=current_flowchart())
    template = "register/list.html#register-body" if wants_fragment(request) else "register/list.html"
    context = {"form": form, "first_url": _url(request.GET, cursor="")}
    if not form.is_valid():
        return render(request, template, context)
    try:
        cursor = services.read_cursor(request.GET.get("cursor", ""))
    except services.BadCursor:
        # A full page either way: htmx falls back to a full load on an error status (static/js/app.mjs).
        return render(request, "register/bad_cursor.html", context, status=400)
    wanted = form.register_filter()
    decisions = services.register_decisions(request.user, wanted)
    page = services.page_of(decisions, cursor)
    count, more = services.count_capped(decisions)
    context.update({
        "wanted": wanted, "page": page, "rows": _rows(page.decisions), "count": count, "more": more,
        "next_url": _url(request.GET, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": _url(request.GET, cursor=page.previous_cursor) if page.previous_cursor else "",
    })
    return render(request, template, context)


def _url(query: QueryDict, *, cursor: str) -> str:
    """This register view with another cursor (or none: the first page), the filters kept."""
    params = query.copy()
    params.pop("cursor", None)
    if cursor:
        params["cursor"] = cursor
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def _rows(decisions: list[Decision]) -> list[Row]:
    now, flowcharts, rows = timezone.now(), {}, []
    for decision in decisions:
        flowchart = flowcharts.get(decision.flowchart_id)
        if flowchart is None:
            flowchart = flowcharts[decision.flowchart_id] = flowchart_for(decision.flowchart_id)
        outcome = flowchart.outcome(decision.outcome)
        approval = getattr(decision, "approval", None)
        rows.append(Row(
            decision=decision,
            outcome_title=outcome.text_for(decision.state, flowchart).title if outcome else decision.outcome,
            overdue=bool(approval and approval.due_at and approval.due_at < now
                         and decision.status == Decision.Status.AWAITING_APPROVAL),
        ))
    return rows
