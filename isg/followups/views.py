"""Each person's "To do": the follow-ups they own, overdue first; completing one records who and when.
And the decision owner's "Add a follow-up action" page (`add_action`)."""

from __future__ import annotations

import uuid
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from isg.access.services import decision_for
from isg.decisions import history
from isg.lib.forms import ErrorSummaryMixin, PlainTextField
from isg.lib.htmx import see_other

from . import services
from .forms import ActionForm
from .models import FollowUp


class CompleteForm(ErrorSummaryMixin, forms.Form):
    note = PlainTextField(
        label="What was done", max_length=settings.ISG_MAX_TEXT_LENGTH,
        help_text="For a breach assessment: whether it is reportable, whether the ICO was told, and what the recipient was asked to delete.",
        error_messages={"required": "Enter what was done"},
    )


@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    return _render(request, CompleteForm(), None)


def complete(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    # Ownership first: someone else's task is not there at all, whatever the method.
    follow_up = FollowUp.objects.for_user(request.user).filter(pk=follow_up_id).select_related("decision").first()
    if follow_up is None:
        raise Http404("No such follow-up.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CompleteForm(request.POST)
    if not form.is_valid():
        return _render(request, form, follow_up.pk, status=400)
    try:
        services.complete(follow_up, request.user, note=form.cleaned_data["note"])
    except services.AlreadyCompleted:
        messages.error(request, "It was already marked as done (in another tab, perhaps): nothing was changed.")
    else:
        messages.success(request, f"Marked as done: {follow_up.get_kind_display().lower()}.")
    return see_other(request, reverse("followups:todo"))


def _render(request: HttpRequest, form: CompleteForm, failed: int | None, status: int = 200) -> HttpResponse:
    mine = FollowUp.objects.for_user(request.user).select_related("decision")
    now = timezone.now()
    waiting = list(mine.open().order_by("due_at"))
    for item in waiting:
        item.overdue = item.is_overdue(now)
    done = list(mine.filter(completed_at__isnull=False).order_by("-completed_at")[:20])
    return render(request, "followups/todo.html", {
        "waiting": waiting, "done": done, "form": form, "failed": failed,
        "overdue_count": sum(item.overdue for item in waiting),
    }, status=status)


@require_http_methods(["GET", "POST"])
def add_action(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One follow-up action for a recorded decision, as a task on someone's To do page: added by the
    decision's owner, or the line manager responsible for it now (isg/access "follow_up")."""
    decision = decision_for(request, public_id, "follow_up")
    history.viewed(request, decision)
    refusal = services.action_refusal(decision)
    if refusal:
        return render(request, "followups/action_not_allowed.html", {"decision": decision, "message": refusal})
    initial = {"token": uuid.uuid4(), "owner": str(request.user.pk)}
    if request.GET.get("from") == "record":  # "Add them as follow-up actions": start from the record's own words
        initial["description"] = (decision.record.get("follow_up") or "").strip()[:settings.ISG_MAX_TEXT_LENGTH]
    form = ActionForm(request.POST or None, initial=initial,
                      owners=list(services.action_owners(decision)), actor=request.user)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.open_action(decision=decision, actor=request.user, owner=data["owner"],
                                            description=data["description"], due_on=data["due_on"],
                                            token=data["token"])
            except services.ActionRefused as refused:
                form.add_error(refused.field if refused.field in form.fields else None, refused.message)
            else:
                whose = "your" if task.owner_id == request.user.pk else f"{task.owner.display_name}'s"
                if task.already_opened:
                    messages.info(request, "This action had already been added (perhaps by a second click), "
                                           "so it was added once.")
                else:
                    messages.success(request, f"Follow-up action added to {whose} To do list, due by "
                                              f"{timezone.localtime(task.due_at):%-d %B %Y}.")
                return redirect(reverse("decisions:outcome", args=[decision.public_id]) + "#follow-up-actions")
        if form.errors.get("token"):  # a stale or forged token: a fresh one, with the answers as given
            form.data = form.data.copy()
            form.data["token"] = str(uuid.uuid4())
    return render(request, "followups/add_action.html", {"decision": decision, "form": form},
                  status=400 if form.errors else 200)
