"""The partnership dashboard: the register's filters, and figures about the decisions they select.

One GET page. The filter form is the register's (isg/register/filters.py), so a filter means the
same on both pages and both links carry it. Without JavaScript the form reloads the page; htmx
swaps `#dashboard-body` in place and pushes the URL, so every filtered view is a shareable link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from isg.flowchart.services import current_flowchart
from isg.lib.htmx import wants_fragment
from isg.register.filters import RegisterFilterForm

from . import charts, services


@dataclass(frozen=True)
class Chart:
    id: str
    breakdown: services.Breakdown
    svg: SafeString
    group_header: str  # the table's first column


@require_GET
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest) -> HttpResponse:
    flowchart = current_flowchart()
    form = RegisterFilterForm(request.GET, flowchart=flowchart)
    template = "dashboard/dashboard.html#dashboard-body" if wants_fragment(request) else "dashboard/dashboard.html"
    context = {
        "form": form, "register_url": _register_url(request.GET)(),
        "retrospective_hours": settings.ISG_RETROSPECTIVE_APPROVAL_HOURS,
    }
    if form.is_valid():
        wanted = form.register_filter()
        figures = services.dashboard_figures(request.user, wanted, flowchart, _register_url(request.GET))
        context.update({
            "wanted": wanted, "figures": figures, "charts": _charts(figures),
            "overdue_url": _register_url(request.GET)(overdue="yes"),
        })
    return render(request, template, context)


def _register_url(query: QueryDict):
    """A function making the register's URL for this filter, with `params` set on top of it."""
    def url(**params: str) -> str:
        merged = query.copy()
        merged.pop("cursor", None)  # a dashboard filter never carries a register page position
        for name, value in params.items():
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
