"""Single sign-on's two URLs: off (404) unless configured. The start is a GET redirect to the
provider (a link, not a form, so the CSP's form-action needs no provider origin); the callback
checks the state this browser was given, then hands the code to the backend."""

from __future__ import annotations

import logging
import time

from django.contrib import auth
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from isg.accounts.views import home_for

from . import config, services
from .backend import OIDCBackend
from .services import Refused

logger = logging.getLogger("isg.sso")

STATE_MAX_AGE_SECONDS = 10 * 60


@method_decorator(login_not_required, name="dispatch")
class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge (kept in the session)."""

    def dispatch(self, request, *args, **kwargs):
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class CallbackView(View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not config.enabled():
            raise Http404("Single sign-on is not configured.")
        state = request.GET.get("state", "")
        states = request.session.get("oidc_states") or {}
        # Single use: the state is spent whatever happens next, so a callback URL cannot be replayed.
        entry = states.pop(state, None) if state else None
        if entry is not None:
            request.session["oidc_states"] = states
            if time.time() - float(entry.get("added_on") or 0) > STATE_MAX_AGE_SECONDS:
                entry = None  # a sign-in left at the provider for too long: start again
        if entry is None:
            # No sign-in of this browser's is waiting (tampered, replayed, or another browser's link):
            # logged, not audited, so anonymous requests cannot grow the audit chain.
            logger.warning("sso: callback with a state this session did not start")
            return refusal(request, "state")
        if request.GET.get("error") or not request.GET.get("code"):
            services.record_refusal("cancelled")
            return refusal(request, "cancelled")
        try:
            user = OIDCBackend().sign_in(
                request, code=request.GET["code"], nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier"),
            )
        except Refused as refused:
            return refusal(request, refused.reason)
        next_url = request.session.get("oidc_login_next")
        auth.login(request, user, backend=config.BACKEND_PATH)
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(home_for(user))


def refusal(request: HttpRequest, reason: str) -> HttpResponse:
    if reason in services.NOT_SET_UP:
        kind = "not_set_up"
    elif reason == services.INACTIVE:
        kind = "inactive"
    else:
        kind = "failed"
    status = 400 if kind == "failed" else 403
    return render(request, "sso/refused.html", {"kind": kind, "reason": reason}, status=status)
