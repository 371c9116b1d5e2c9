"""Away periods (away.py): an administrator sets them from a person's page, a line manager their own
from "Your account" (/accounts/away/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from .away import away_period_add, away_period_end
from .models import AwayPeriod, User
from .people_forms import AwayPeriodForm


def _added_message(period: AwayPeriod, whose: str) -> str:
    until = f"to {period.ends_on:%-d %B %Y}" if period.ends_on else "until further notice"
    return f"{whose} away from {period.starts_on:%-d %B %Y} {until}. Their approvals go to their deputy, else their " \
           "own line manager, else their agency's queue."


def _add(request: HttpRequest, form: AwayPeriodForm, user: User) -> AwayPeriod | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return away_period_add(user=user, starts_on=data["starts_on"], ends_on=data["ends_on"],
                               reason=data["reason"] or "", set_by=request.user)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


@require_http_methods(["GET", "POST"])
def admin_add(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator records that a line manager will be away."""
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person.")
    form = AwayPeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        period = _add(request, form, person)
        if period is not None:
            messages.success(request, _added_message(period, f"{person.display_name} is"))
            return redirect("people:person", person.pk)
    return render(request, "accounts/away/add.html", {
        "form": form, "person": person, "action": reverse("people:away", args=[person.pk]),
        "back_url": reverse("people:person", args=[person.pk]), "own": False,
    })


@require_POST
def admin_end(request: HttpRequest, user_id: int, period_id: int) -> HttpResponse:
    period = AwayPeriod.objects.filter(pk=period_id, user_id=user_id).select_related("user").first()
    if period is None:
        raise Http404("No such away period.")
    _end(request, period, f"{period.user.display_name} is")
    return redirect("people:person", user_id)


@require_http_methods(["GET", "POST"])
def own(request: HttpRequest) -> HttpResponse:
    """A line manager's own away periods: the list, a form to add one, and a button to end each."""
    user = request.user
    if user.role != User.Role.LINE_MANAGER:
        # Only line managers approve; the access rules already keep everyone else out.
        raise Http404("Away periods are for line managers.")
    ending = request.method == "POST" and request.POST.get("action") == "end"
    form = AwayPeriodForm(request.POST if request.method == "POST" and not ending else None)
    if request.method == "POST":
        if ending:
            period = AwayPeriod.objects.filter(pk=_int(request.POST.get("period")), user=user).first()
            if period is None:
                raise Http404("No such away period.")
            _end(request, period, "You are")
            return redirect("accounts:away")
        period = _add(request, form, user)
        if period is not None:
            messages.success(request, _added_message(period, "You are"))
            return redirect("accounts:away")
    return render(request, "accounts/away/own.html", {
        "form": form, "person": user, "action": reverse("accounts:away"),
        "periods": user.away_periods.current_or_coming(timezone.localdate()), "own": True,
    })


def _end(request: HttpRequest, period: AwayPeriod, whose: str) -> None:
    try:
        away_period_end(period=period, ended_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{whose} no longer away for that period.")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
