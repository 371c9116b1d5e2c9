"""Changes that give access, waiting for a second person (access_changes.py): /admin-pages/changes/.

Administrators and partnership (LSCB) staff reach these pages; only another administrator or the
partnership lead may confirm or refuse, and only an administrator may withdraw. Everyone else who
reaches them reads the change and who may decide it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import access_changes, people_display
from .models import AccessChange, User

DECISIONS = {
    "confirm": access_changes.access_change_confirm,
    "refuse": access_changes.access_change_refuse,
    "withdraw": access_changes.access_change_withdraw,
}


@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    """Changes waiting for confirmation, oldest first, then the last 20 decided."""
    changes = AccessChange.objects.select_related("person", "requested_by", "decided_by")
    waiting = list(changes.filter(status=AccessChange.Status.WAITING).order_by("requested_at"))
    decided = list(changes.exclude(status=AccessChange.Status.WAITING).order_by("-decided_at")[:20])
    names = people_display.Names([c.changes for c in waiting + decided])
    for change in waiting + decided:
        change.rows = people_display.rows(change.changes, names, person=change.person)
        change.may_decide = access_changes.may_decide(request.user, change)
    return render(request, "accounts/changes/list.html", {"waiting": waiting, "decided": decided,
                                                          "is_lead": _is_lead(request.user)})


@require_http_methods(["GET", "POST"])
def change_decide(request: HttpRequest, change_id: int) -> HttpResponse:
    change = AccessChange.objects.select_related("person", "requested_by", "decided_by").filter(pk=change_id).first()
    if change is None:
        raise Http404("No such change.")
    error = ""
    if request.method == "POST":
        act = DECISIONS.get(request.POST.get("decision", ""))
        if act is None:
            error = "Choose whether to confirm or refuse the change"
        else:
            try:
                act(change=change, actor=request.user)
            except PermissionDenied:
                error = "You cannot decide on this change: it must be someone other than the person who asked for it " \
                        "and the person it changes"
            except ValidationError as problem:
                error = " ".join(problem.messages)
            else:
                messages.success(request, _done(request.POST["decision"], change.person))
                return redirect("changes:list")
        change.refresh_from_db()
    return render(request, "accounts/changes/decide.html", {
        "change": change, "rows": people_display.rows(change.changes, person=change.person), "error": error,
        "error_links": [(error, "#decide" if access_changes.may_decide(request.user, change) else "#main-content")],
        "may_decide": access_changes.may_decide(request.user, change),
        "may_withdraw": access_changes.may_withdraw(request.user, change),
    })


def _done(decision: str, person: User) -> str:
    return {
        "confirm": f"Change confirmed: {person.display_name}'s account has been changed.",
        "refuse": f"Change refused: nothing about {person.display_name} has changed.",
        "withdraw": f"Change withdrawn: nothing about {person.display_name} has changed.",
    }[decision]


def _is_lead(user: User) -> bool:
    return user.role == User.Role.PARTNERSHIP and user.is_partnership_lead
