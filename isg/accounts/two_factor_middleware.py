"""Until the second factor is given, a signed-in session reaches only the two-factor pages.

Runs after django-otp's OTPMiddleware (which marks `request.user` verified or not) and before the
access rules, so an unverified session is sent to the code page from every page it may not use yet,
whatever its role: the Django admin included. Public pages (sign-in, password reset, /healthz,
/readyz) and signing out stay open; static files are answered by WhiteNoise before any of this. A URL
with no access row is left to the access middleware (404).

An htmx request gets HX-Redirect (htmx then loads the code page in full), as the login middleware does.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from isg.access.rules import rule_for
from isg.lib.htmx import wants_fragment

from . import two_factor

# What an unverified session may reach besides public pages.
OPEN_BEFORE_CODE = frozenset({
    "accounts:two-factor-verify",
    "accounts:two-factor-setup",
    "accounts:logout",
})


def next_step_url(request: HttpRequest, next_url: str | None = None) -> str:
    """The code page, or the set-up page for a user who must have an app and has none, with `next`."""
    name = "accounts:two-factor-verify" if two_factor.has_device(request.user) else "accounts:two-factor-setup"
    url = reverse(name)
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return url


class TwoFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else None
        rule = rule_for(name)
        if rule is None or rule.public or name in OPEN_BEFORE_CODE:
            return None
        if not two_factor.needs_code(request):
            return None
        # A page (GET) is where to go back to after the code; a form post is not repeated.
        back = request.get_full_path() if request.method == "GET" and not wants_fragment(request) else None
        url = next_step_url(request, back)
        if wants_fragment(request):
            return HttpResponseClientRedirect(url)
        return redirect(url)
