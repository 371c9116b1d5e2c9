"""The site root: each role's own start page. It sits above the apps (beside urls.py) because it
reads several of them: a line manager with anything waiting lands on Approvals."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from isg.accounts.models import User
from isg.approvals.services import waiting_count


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == User.Role.LINE_MANAGER and waiting_count(user):
        return redirect("approvals:queue")
    if user.can_make_decisions:
        return redirect("decisions:mine")
    if user.role == User.Role.PARTNERSHIP:
        return redirect("register:list")  # the partnership audits decisions: the register is its start page
    if user.role == User.Role.DATA_PROTECTION_OFFICER:
        return redirect("followups:todo")  # breach assessments
    if user.role == User.Role.ADMIN:
        return redirect("people:list")  # ISG's own pages; Django's admin is for technical superusers only
    return redirect("casestudies:library")
