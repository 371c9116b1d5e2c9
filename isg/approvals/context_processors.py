"""The navigation's count of items waiting for the signed-in line manager."""

from __future__ import annotations

from django.http import HttpRequest

from .services import waiting_count


def waiting_approvals(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != user.Role.LINE_MANAGER:
        return {}
    return {"approvals_waiting": waiting_count(user)}
