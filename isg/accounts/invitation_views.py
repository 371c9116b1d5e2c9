"""Following an invitation link: choose a password, then (if the role needs one) set up an authenticator app.

The link's token is in the query string, which the request logs leave out. It is read once and kept in
the session (as its hash), and the browser is sent on to a page without it, so the token is not left in
the address bar, the history or a Referer header (as Django's password reset does).
"""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from . import invitations
from .forms import SetPasswordForm
from .views import home_for

SESSION_KEY = "isg_invitation"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _refused(request: HttpRequest, refusal: str) -> HttpResponse:
    return render(request, "accounts/invitation_refused.html", {"refusal": refusal})


@login_not_required
@never_cache
@require_GET
def invitation(request: HttpRequest) -> HttpResponse:
    """The link in the email (`?token=`): check it, keep it in the session, go on to the password page."""
    if request.user.is_authenticated:
        return _refused(request, "signed_in")
    token = request.GET.get("token", "")[:100]
    if not token:
        return _refused(request, "unknown")
    check = invitations.check_link(token)
    if not check.ok:
        return _refused(request, check.refusal)
    request.session[SESSION_KEY] = {"id": check.invitation.pk, "hash": check.invitation.token_hash}
    return redirect("accounts:invitation-accept")


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest) -> HttpResponse:
    """“Set up your account”: their username, and a password of their own."""
    if request.user.is_authenticated:
        return _refused(request, "signed_in")
    kept = request.session.get(SESSION_KEY) or {}
    check = invitations.check_link(invitation_id=kept.get("id"), hashed=kept.get("hash"))
    if not check.ok:
        request.session.pop(SESSION_KEY, None)
        return _refused(request, check.refusal)
    user = check.invitation.user
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(invitation=check.invitation, password=form.cleaned_data["new_password1"])
        except ValidationError:
            request.session.pop(SESSION_KEY, None)
            return _refused(request, "used")
        request.session.pop(SESSION_KEY, None)
        login(request, user, backend=BACKEND)
        # Where their role starts; a role that needs a second factor is sent to set one up first.
        return redirect(home_for(user))
    return render(request, "accounts/invitation_accept.html", {"form": form, "person": user})
