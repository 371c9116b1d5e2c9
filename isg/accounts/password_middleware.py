"""While someone else's password is on the account, the session reaches only the change-password page.

`User.must_change_password` (see passwords.py) is set when an administrator chose the password.
Runs after TwoFactorMiddleware: a session that still owes its second-factor code is sent there first,
then here. Public pages (sign-in, password reset, health checks) and signing out stay open; a URL with
no access row is left to the access middleware (404). Single sign-on sessions have no password here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from isg.access.rules import rule_for
from isg.lib.htmx import wants_fragment

from . import two_factor

OPEN_WHILE_PASSWORD_OWED = frozenset({
    "accounts:password-change",
    "accounts:logout",
})


def password_owed(request: HttpRequest) -> bool:
    """Signed in with a password someone else chose, and the second factor (if due) already given."""
    user = request.user
    return bool(
        user.is_authenticated and user.is_active and getattr(user, "must_change_password", False)
        and not two_factor.signed_in_with_sso(request) and not two_factor.needs_code(request)
    )


class PasswordChangeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else None
        rule = rule_for(name)
        if rule is None or rule.public or name in OPEN_WHILE_PASSWORD_OWED:
            return None
        if not password_owed(request):
            return None
        url = reverse("accounts:password-change")
        if wants_fragment(request):
            return HttpResponseClientRedirect(url)
        return redirect(url)
