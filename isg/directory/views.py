"""The administrator's Organisations pages (/admin-pages/organisations/): the directory, add, change,
take off and put back. Nothing here is case content."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import OrganisationForm
from .models import Organisation


def _organisation(organisation_id: int) -> Organisation:
    organisation = Organisation.objects.select_related("agency").filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404("No such organisation.")
    return organisation


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    organisations = Organisation.objects.select_related("agency").order_by("name")
    if show != "all":
        organisations = organisations.filter(is_active=True)
    return render(request, "directory/list.html", {"organisations": organisations, "show_all": show == "all"})


@require_http_methods(["GET", "POST"])
def organisation_add(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_add(actor=request.user, **form.cleaned_data)
        messages.success(request, f"{organisation.name} has been added to the directory.")
        return redirect("directory:list")
    return render(request, "directory/form.html", {"form": form, "organisation": None})


@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(organisation_id)
    initial = {"name": organisation.name, "kind": organisation.kind, "agency": organisation.agency_id,
               "secure_contact_routes": organisation.secure_contact_routes}
    form = OrganisationForm(request.POST or None, initial=initial, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        changed = services.organisation_change(organisation=organisation, actor=request.user, **form.cleaned_data)
        messages.success(request, f"{form.cleaned_data['name']} has been changed." if changed else "Nothing was changed.")
        return redirect("directory:list")
    return render(request, "directory/form.html", {"form": form, "organisation": organisation})


@require_POST
def organisation_set_active(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(organisation_id)
    active = request.POST.get("active") == "yes"
    if services.organisation_set_active(organisation=organisation, active=active, actor=request.user):
        messages.success(request, f"{organisation.name} is {'back on' if active else 'no longer on'} the directory.")
    return redirect("directory:edit", organisation.pk)
