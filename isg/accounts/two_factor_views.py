"""The second-factor pages: enter a code, set up an app, turn it off (see two_factor.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from isg.lib.forms import ErrorSummaryMixin

from . import two_factor
from .two_factor_middleware import next_step_url
from .views import home_for

ASK_FOR_HELP = "your ISG administrator"


class CodeForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {}

    code = forms.CharField(
        label="Code", max_length=20, strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = two_factor.normalise(self.cleaned_data["code"])
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code


def _next_url(request: HttpRequest) -> str:
    """A safe `next` (from the query or the form), else the user's start page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return home_for(request.user)


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def _refusal(form: CodeForm, result: two_factor.CodeResult) -> None:
    if result.reason == "wait":
        form.add_error("code", f"You have entered too many wrong codes. Wait {_wait_text(result.wait_seconds)}, "
                               "then enter the code your app shows at that time")
    else:
        form.add_error("code", "That code is not right, or it has already been used. Enter the code your app shows now")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """“Enter the 6-digit code from your authenticator app”, after the password."""
    user = request.user
    if not two_factor.has_device(user):
        if two_factor.required_for(user) and not two_factor.signed_in_with_sso(request):
            return redirect(next_step_url(request, request.GET.get("next")))
        return redirect(_next_url(request))
    if not two_factor.needs_code(request):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.verify(request, form.cleaned_data["code"])
        if result.ok:
            return redirect(_next_url(request))
        _refusal(form, result)
    return render(request, "accounts/two_factor/verify.html", {
        "form": form, "next": _next_url(request), "ask": ASK_FOR_HELP,
        "code_owed": two_factor.needs_code(request),  # base.html: no menu of pages the session cannot open yet
    })


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (or replace the one you have): scan, or type the key; then a code."""
    user = request.user
    if two_factor.signed_in_with_sso(request):
        return redirect("accounts:account")
    if two_factor.has_device(user) and not two_factor.session_verified(request):
        # Replacing an app needs the current one first: the password alone is not enough.
        return redirect(next_step_url(request, request.GET.get("next")))
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.confirm_setup(request, device, form.cleaned_data["code"])
        if result.ok:
            messages.success(request, "Your authenticator app is set up. You will be asked for a code each time you sign in.")
            return redirect(_next_url(request))
        _refusal(form, result)
    return render(request, "accounts/two_factor/setup.html", {
        "form": form, "next": _next_url(request), "qr_code": two_factor.qr_code_data_uri(device),
        "code_owed": two_factor.needs_code(request),
        "secret": two_factor.secret_in_groups(device), "replacing": two_factor.has_device(user),
        "required": two_factor.required_for(user),
    })


@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest) -> HttpResponse:
    """Turn off the second factor: only for those who are not required to have one."""
    user = request.user
    if not two_factor.has_device(user):
        return redirect("accounts:account")
    required = two_factor.required_for(user)
    if request.method == "POST" and not required:
        two_factor.remove(user, actor=user, by="self")
        two_factor.forget_verification(request)
        messages.success(request, "Your second factor is turned off. You will sign in with your password only.")
        return redirect("accounts:account")
    # A user who must have a second factor is told so (and offered a replacement) instead.
    return render(request, "accounts/two_factor/remove.html", {"required": required})


def account_context(request: HttpRequest) -> dict:
    """What the account page shows about the second factor."""
    user = request.user
    device = two_factor.confirmed_device(user)
    return {
        "two_factor": {
            "sso": two_factor.signed_in_with_sso(request),
            "device": device,
            "required": two_factor.required_for(user),
            "setup_url": reverse("accounts:two-factor-setup"),
            "remove_url": reverse("accounts:two-factor-remove"),
        }
    }
