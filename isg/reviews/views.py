"""A partnership officer flags a decision for audit or learning review, and clears the flag. Thin:
the changes are in services.py. Plain forms; each answers with a redirect to the decision page."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from isg.access.services import decision_for, may_flag_for_review
from isg.decisions import history
from isg.decisions.models import Decision
from isg.lib.htmx import see_other

from . import services
from .forms import ClearForm, FlagForm


def _decision(request: HttpRequest, public_id: UUID) -> Decision:
    decision = decision_for(request, public_id, "view")
    if not may_flag_for_review(request.user, decision):
        raise Http404("No such decision.")
    return decision


@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = _decision(request, public_id)
    outcome_url = reverse("decisions:outcome", args=[decision.public_id])
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        purpose = form.cleaned_data["purpose"]
        try:
            services.flag(decision, request.user, purpose=purpose, note=form.cleaned_data["note"])
        except services.AlreadyFlagged:
            messages.info(request, "It was already flagged for this (perhaps by a second click, or a colleague), "
                                   "so it was flagged once. Here it is.")
            return see_other(request, outcome_url + "#review-flags")
        except services.NoteRequired as missing:
            form.add_error("note", str(missing))
        else:
            messages.success(request, "You flagged the decision for review. The partnership and the agency's "
                                      "managers see the flag and your note.")
            return see_other(request, outcome_url + "#review-flags")
    history.viewed(request, decision)
    return render(request, "reviews/flag.html", {
        "decision": decision, "form": form, "outcome_url": outcome_url,
        "open_flags": services.open_flags(decision),
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def clear(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = _decision(request, public_id)
    outcome_url = reverse("decisions:outcome", args=[decision.public_id])
    open_flags = services.open_flags(decision)
    if not open_flags:
        messages.info(request, "This decision has no open flag for review: it may have been cleared already "
                               "(perhaps by a second click, or a colleague).")
        return see_other(request, outcome_url + "#review-flags")
    form = ClearForm(request.POST if request.method == "POST" else None, flags=open_flags)
    if request.method == "POST" and form.is_valid():
        try:
            services.clear(decision, request.user, flag_id=form.cleaned_data["flag"], note=form.cleaned_data["note"])
        except services.AlreadyCleared:
            messages.info(request, "That flag had already been cleared, so it was cleared once. Here is the decision.")
            return see_other(request, outcome_url + "#review-flags")
        except services.NoteRequired as missing:
            form.add_error("note", str(missing))
        else:
            messages.success(request, "You cleared the flag. Your note is kept in the decision's history.")
            return see_other(request, outcome_url + "#review-flags")
    history.viewed(request, decision)
    return render(request, "reviews/clear.html", {
        "decision": decision, "form": form, "outcome_url": outcome_url,
    }, status=400 if request.method == "POST" else 200)
