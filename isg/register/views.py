"""The decision register: submitted decisions across the partnership (LSCB) or a manager's scope.

One page. The filter form POSTs (so search words never travel in a URL, DP-7) and is answered with
a redirect to the register's URL for that filter, the words replaced by a token kept in the
session (isg/register/search.py). htmx swaps `#register-body` in place and pushes that URL, so
every filtered view and page is a link that can be reloaded or shared by its own reader.
Every listing is audited, once per request (AT-1; isg/register/services.py audit_search).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart, flowchart_for
from isg.lib.htmx import see_other, wants_fragment

from . import search, services
from .filters import URL_PARAMS, RegisterFilterForm

BODY = "register-body"  # the part htmx swaps


@dataclass(frozen=True)
class Row:
    decision: Decision
    outcome_title: str
    overdue: bool
    decided_at: datetime.datetime | None = None  # when the approver decided (approved, agreed, not approved...)
    took: str = ""  # from the request for approval to that decision, in words
    late: bool = False  # decided after the approval was due


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def register(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _filter_posted(request)
    if request.GET.get(search.WORDS_PARAM, "").strip():
        # A link made before the words moved out of URLs, or the dashboard's filter: keep the
        # words on the server and send the reader to the same filter without them in the address.
        return see_other(request, _list_url(search.public_query(request, request.GET.urlencode())), swap_into=BODY)
    data, expired = search.form_data(request, request.GET)
    form = RegisterFilterForm(data, flowchart=current_flowchart(), search_expired=expired)
    template = _template(request)
    context = {"form": form, "first_url": _url(request.GET, cursor="")}
    if not form.is_valid():
        return render(request, template, context)
    try:
        cursor = services.read_cursor(request.GET.get("cursor", ""))
    except services.BadCursor:
        # A full page either way: htmx falls back to a full load on an error status (static/js/app.mjs).
        return render(request, "register/bad_cursor.html", context, status=400)
    wanted = form.register_filter()
    with services.without_parallel_workers():
        decisions = services.register_decisions(request.user, wanted)
        matches = services.count_capped(decisions, unordered=services.reads_ids_unordered(wanted))
        page = services.page_of(matches, cursor)
    count, more = matches.count, matches.more
    context.update({
        "wanted": wanted, "page": page, "rows": _rows(page.decisions), "count": count, "more": more,
        # Each decision's link carries this view's filter, so its page leads back to it (isg/approvals/decision_views.py).
        "back_query": _url(request.GET, cursor=request.GET.get("cursor", ""))[1:],
        "next_url": _url(request.GET, cursor=page.next_cursor) if page.next_cursor else "",
        "previous_url": _url(request.GET, cursor=page.previous_cursor) if page.previous_cursor else "",
    })
    services.audit_search(request.user, wanted, where="register", count=count, more=more,
                          later_page=not page.is_first)
    return render(request, template, context)


def _filter_posted(request: HttpRequest) -> HttpResponse:
    """The filter form: errors shown at once; a good filter is a redirect to its URL (words as a token)."""
    form = RegisterFilterForm(request.POST, flowchart=current_flowchart())
    if not form.is_valid():
        return render(request, _template(request), {"form": form, "first_url": "?"})
    query = search.posted_filter_query(request, form.cleaned_data["q"], URL_PARAMS)
    return see_other(request, _list_url(query), swap_into=BODY)


def _template(request: HttpRequest) -> str:
    return f"register/list.html#{BODY}" if wants_fragment(request) else "register/list.html"


def _list_url(query: str) -> str:
    return reverse("register:list") + (f"?{query}" if query else "")


def _url(query: QueryDict, *, cursor: str) -> str:
    """This register view with another cursor (or none: the first page), the filters kept."""
    params = query.copy()
    params.pop("cursor", None)
    params.pop(search.WORDS_PARAM, None)  # an empty `q` from the dashboard's form: words never go in a link
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
        decided = approval.decided_at if approval else None
        rows.append(Row(
            decision=decision,
            outcome_title=outcome.text_for(decision.state, flowchart).title if outcome else decision.outcome,
            overdue=bool(approval and approval.due_at and approval.due_at < now
                         and decision.is_waiting),
            decided_at=decided,
            took=duration_words(decided - approval.requested_at) if decided and approval.requested_at else "",
            late=bool(decided and approval.due_at and decided > approval.due_at),
        ))
    return rows


def duration_words(elapsed: datetime.timedelta) -> str:
    """'45 minutes', '5 hours 10 minutes', '2 days 3 hours': the largest unit and the next, rounded down."""
    minutes = max(0, int(elapsed.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    first = next((i for i, (n, _) in enumerate(units) if n), 2)
    shown = [units[first]] + [unit for unit in units[first + 1:first + 2] if unit[0]]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in shown)
