"""Each person's "To do": the follow-ups they own, overdue first; completing one records who and when."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from isg.lib.forms import ErrorSummaryMixin, PlainTextField
from isg.lib.htmx import see_other

from . import services
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
