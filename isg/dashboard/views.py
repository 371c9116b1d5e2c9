"""The partnership dashboard: the register's filters, and figures about the decisions they select.

The filter form is the register's (isg/register/filters.py), so a filter means the same on both
pages and both links carry it. As on the register, the form is posted and answered with a redirect
to the filter's URL, search words swapped for a token (isg/register/search.py: words never go in a
URL); htmx swaps `#dashboard-body` in place and the URL follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from isg.flowchart.services import current_flowchart
from isg.lib.htmx import see_other, wants_fragment
from isg.register import search
from isg.register.filters import URL_PARAMS, RegisterFilterForm
from isg.register.services import audit_search

from . import charts, services


@dataclass(frozen=True)
class Chart:
    id: str
    breakdown: services.Breakdown
    svg: SafeString
    group_header: str  # the table's first column


BODY = "dashboard-body"  # the part htmx swaps


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest) -> HttpResponse:
    flowchart = current_flowchart()
    template = f"dashboard/dashboard.html#{BODY}" if wants_fragment(request) else "dashboard/dashboard.html"
    context = {"retrospective_hours": settings.ISG_RETROSPECTIVE_APPROVAL_HOURS}
    if request.method == "POST":
        form = RegisterFilterForm(request.POST, flowchart=flowchart)
        if not form.is_valid():
            return render(request, template, {**context, "form": form, "register_url": _register_url(QueryDict())()})
        query = search.posted_filter_query(request, form.cleaned_data["q"], URL_PARAMS)
        return see_other(request, _dashboard_url(query), swap_into=BODY)
    if request.GET.get(search.WORDS_PARAM, "").strip():
        # An old link with the words in it: keep them on the server, and the address without them.
        return see_other(request, _dashboard_url(search.public_query(request, request.GET.urlencode())), swap_into=BODY)
    data, expired = search.form_data(request, request.GET)
    form = RegisterFilterForm(data, flowchart=flowchart, search_expired=expired)
    context.update({"form": form, "register_url": _register_url(request.GET)()})
    if form.is_valid():
        wanted = form.register_filter()
        figures = services.dashboard_figures(request.user, wanted, flowchart, _register_url(request.GET))
        audit_search(request.user, wanted, where="dashboard", count=figures.total)  # AT-1: counting is a search
        context.update({
            "wanted": wanted, "figures": figures, "charts": _charts(figures),
            "timeliness": [
                {"id": "table-timeliness-agency", "data": figures.timeliness_by_agency},
                {"id": "table-timeliness-approver", "data": figures.timeliness_by_approver},
            ],
        })
    return render(request, template, context)


def _dashboard_url(query: str) -> str:
    return reverse("dashboard:index") + (f"?{query}" if query else "")


def _register_url(query: QueryDict):
    """A function making the register's URL for this filter, with `params` set on top of it.

    It makes no link ("") where a parameter would replace one the reader chose (another agency,
    status, outcome or answer): the register would list other decisions than the figure counts.
    A list of values (several statuses) is narrowed to those the reader also chose.
    """
    def url(**params: str | list[str] | tuple[str, ...]) -> str:
        merged = query.copy()
        merged.pop("cursor", None)  # a dashboard filter never carries a register page position
        merged.pop(search.WORDS_PARAM, None)  # words travel as the `search` token, never in a link
        for name, value in params.items():
            if not value:
                return ""
            if isinstance(value, list | tuple):
                # Any of several values (statuses): within the reader's own choice of them, if any,
                # which lists exactly the rows that are both.
                chosen = merged.getlist(name)
                values = [str(v) for v in value if not chosen or str(v) in chosen]
                if not values:
                    return ""
                merged.setlist(name, values)
                continue
            if name in services.LINK_PARAMS and merged.get(name) and merged.get(name) != value:
                return ""  # it would replace the reader's own choice: other rows than the figure counts
            merged[name] = value
        encoded = merged.urlencode()
        return reverse("register:list") + (f"?{encoded}" if encoded else "")
    return url


def _charts(figures: services.Figures) -> list[Chart]:
    rows = [
        ("chart-outcome", figures.by_outcome, "Outcome", False),
        ("chart-decision", figures.decisions, "Decision", True),
        ("chart-agency", figures.by_agency, "Agency", False),
        ("chart-month", figures.by_month, "Month submitted", False),
        ("chart-consent", figures.consent, "Consent status", False),
        ("chart-harm", figures.harm, "Harm level", False),
        ("chart-not-informing", figures.not_informing, "Reason", False),
    ]
    return [Chart(id_, breakdown, charts.bar_chart(breakdown, id_, patterned=patterned), header)
            for id_, breakdown, header, patterned in rows]
