"""The owner's two pages: record a share, record whether the person was told. Thin: services.py writes."""

from __future__ import annotations

import uuid
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from isg.access.services import decision_for
from isg.decisions import history
from isg.decisions.services import StaleDecision

from . import services
from .forms import ShareForm, TellingForm

STALE = ("Your manager acted on this decision while the form was open, so nothing was saved. "
         "Check the page and record the share again.")
_FIELD = {"shared_at": "shared_on"}  # the service's field names, as the form's


def _outcome_url(decision) -> str:
    return reverse("decisions:outcome", args=[decision.public_id]) + "#what-was-shared"


def _fresh_token(form) -> None:
    """A stale or forged token: offer a fresh one with the answers as given."""
    if form.is_bound and form.errors.get("token"):
        form.data = form.data.copy()
        form.data["token"] = str(uuid.uuid4())


@require_http_methods(["GET", "POST"])
def record_share(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = decision_for(request, public_id, "edit")  # the owner only (isg/access)
    permission = services.sharing_allowed(decision)
    history.viewed(request, decision)
    if not (permission.allowed or permission.emergency_possible):
        return render(request, "disclosures/not_allowed.html", {"decision": decision, "message": permission.message})
    form = ShareForm(request.POST or None, initial={"token": uuid.uuid4()},
                     emergency_possible=not permission.allowed)
    if request.method == "POST" and form.is_valid():
        try:
            share = services.record_share(decision=decision, actor=request.user, **form.values())
        except services.InvalidShare as refused:
            for name, message in refused.errors.items():
                form.add_error(_FIELD.get(name, name) if _FIELD.get(name, name) in form.fields else None, message)
        except services.SharingNotAllowed as refused:
            form.add_error("emergency_reason" if "emergency_reason" in form.fields else None, refused.message)
        except StaleDecision:
            messages.error(request, STALE)
            return redirect("disclosures:share", public_id=decision.public_id)
        else:
            if share.already_recorded:
                messages.info(request, "This share had already been recorded (perhaps by a second click), "
                                       "so it was recorded once.")
            else:
                messages.success(request, f"Share with {share.recipient} recorded.")
            return redirect(_outcome_url(decision))
    _fresh_token(form)
    return render(request, "disclosures/share.html", {
        "decision": decision, "form": form, "permission": permission,
    })


@require_http_methods(["GET", "POST"])
def record_telling(request: HttpRequest, public_id: UUID) -> HttpResponse:
    decision = decision_for(request, public_id, "edit")
    history.viewed(request, decision)
    if not services.telling_allowed(decision):
        return render(request, "disclosures/not_allowed.html", {
            "decision": decision, "message": services.sharing_allowed(decision).message})
    form = TellingForm(request.POST or None, initial={"token": uuid.uuid4()},
                       reasons=services.not_told_reasons(decision))
    if request.method == "POST" and form.is_valid():
        try:
            telling = services.record_telling(decision=decision, actor=request.user, **form.values())
        except services.InvalidShare as refused:
            for name, message in refused.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            if telling.already_recorded:
                messages.info(request, "This had already been recorded (perhaps by a second click), so it was "
                                       "recorded once.")
            elif telling.told:
                messages.success(request, "Recorded that the person was told.")
            else:
                messages.success(request, "Recorded that the person was not told. A task to reconsider telling "
                                          f"them is in your to-do list for {telling.reconsider_by:%-d %B %Y}.")
            return redirect(_outcome_url(decision))
    _fresh_token(form)
    return render(request, "disclosures/telling.html", {"decision": decision, "form": form})
