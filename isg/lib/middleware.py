"""Deny by default, and tell htmx to navigate to sign-in rather than swap the sign-in page in."""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from .htmx import wants_fragment


class HtmxAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        response = super().handle_no_permission(request, view_func)
        if wants_fragment(request) and response.status_code == 302:
            return HttpResponseClientRedirect(response["Location"])
        return response
