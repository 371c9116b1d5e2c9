"""The administrator's Agencies pages (/admin-pages/agencies/): list, add, change. No case content:
an agency's page counts its people, never its decisions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import services
from .forms import AgencyPageForm
from .models import Agency


@require_GET
def agency_list(request: HttpRequest) -> HttpResponse:
    agencies = Agency.objects.annotate(
        people=Count("staff", filter=Q(staff__is_active=True)),
        managers=Count("staff", filter=Q(staff__is_active=True, staff__role="line_manager")),
    ).order_by("name")
    return render(request, "agencies/list.html", {"agencies": agencies})


@require_http_methods(["GET", "POST"])
def agency_add(request: HttpRequest) -> HttpResponse:
    form = AgencyPageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agency = services.agency_add(name=form.cleaned_data["name"], slug=form.slug(),
                                     kind=form.cleaned_data["kind"], actor=request.user)
        messages.success(request, f"{agency.name} has been added, and listed in the directory of organisations "
                                  "as a member agency.")
        return redirect("agencies:list")
    return render(request, "agencies/form.html", {"form": form, "agency": None})


@require_http_methods(["GET", "POST"])
def agency_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404("No such agency.")
    initial = {"name": agency.name, "kind": agency.kind}
    form = AgencyPageForm(request.POST or None, initial=initial, agency=agency)
    if request.method == "POST" and form.is_valid():
        changed = services.agency_change(agency=agency, name=form.cleaned_data["name"],
                                         kind=form.cleaned_data["kind"], actor=request.user)
        messages.success(request, f"{form.cleaned_data['name']} has been changed." if changed else "Nothing was changed.")
        return redirect("agencies:list")
    return render(request, "agencies/form.html", {"form": form, "agency": agency})
