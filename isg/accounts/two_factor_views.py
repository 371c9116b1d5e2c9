"""The second-factor pages: enter a code, set up an app, turn it off (see two_factor.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from isg.lib.forms import ErrorSummaryMixin

from . import backup_codes, two_factor
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


class BackupCodeForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {}

    backup_code = forms.CharField(
        label="Backup code", max_length=40, strip=True,
        error_messages={"required": "Enter one of your backup codes"},
    )

    def clean_backup_code(self) -> str:
        code = self.cleaned_data["backup_code"]
        if not backup_codes.looks_like_a_code(code):
            raise forms.ValidationError("Enter a backup code as 10 letters and digits, like abcde-23456")
        return backup_codes.normalise(code)


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


def _refusal(form: forms.Form, result: two_factor.CodeResult, field: str = "code") -> None:
    if result.reason == "wait":
        then = "then enter the code your app shows at that time" if field == "code" else "then try again"
        form.add_error(field, f"You have entered too many wrong codes. Wait {_wait_text(result.wait_seconds)}, {then}")
    elif field == "code":
        form.add_error(field, "That code is not right, or it has already been used. Enter the code your app shows now")
    else:
        form.add_error(field, "That backup code is not right, or it has already been used. Each backup code works once")


@sensitive_post_parameters("code", "backup_code")
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
    # Two forms: the app's code, or (under "I cannot use my authenticator app") a backup code.
    with_backup = request.method == "POST" and "backup_code" in request.POST
    form = CodeForm(request.POST if request.method == "POST" and not with_backup else None)
    backup_form = BackupCodeForm(request.POST if with_backup else None)
    if with_backup and backup_form.is_valid():
        result = two_factor.verify_backup_code(request, backup_form.cleaned_data["backup_code"])
        if result.ok:
            left = backup_codes.unused(user).count()
            messages.success(request, f"Backup code accepted. You have {left} left: each works once. "
                                      "If you have lost your phone, set up your authenticator app again.")
            return redirect(_next_url(request))
        _refusal(backup_form, result, field="backup_code")
    elif not with_backup and request.method == "POST" and form.is_valid():
        result = two_factor.verify(request, form.cleaned_data["code"])
        if result.ok:
            return redirect(_next_url(request))
        _refusal(form, result)
    return render(request, "accounts/two_factor/verify.html", {
        "form": form, "backup_form": backup_form, "next": _next_url(request), "ask": ASK_FOR_HELP,
        "errors": form.error_links + backup_form.error_links,
        "has_backup_codes": backup_codes.unused(user).exists(),
        "code_owed": two_factor.needs_code(request),  # base.html: no menu of pages the session cannot open yet
    })


@sensitive_post_parameters("code")
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
            if not backup_codes.unused(user).exists():
                # Next: backup codes, for the day the phone is lost (then on to where they were going).
                return redirect(reverse("accounts:two-factor-backup-codes") + "?" + urlencode({"next": _next_url(request)}))
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


@require_http_methods(["GET", "POST"])
def backup_codes_page(request: HttpRequest) -> HttpResponse:
    """Backup codes: how many are left (GET); make new ones and show them, once (POST).

    The codes are shown only in the answer to the POST that made them: they are never stored where a
    later page could read them (only their hashes are kept), so a reload cannot show them again.
    """
    user = request.user
    if two_factor.signed_in_with_sso(request) or not two_factor.has_device(user):
        return redirect("accounts:account")
    if request.method == "POST":
        codes = backup_codes.backup_codes_make(user=user)
        return render(request, "accounts/two_factor/backup_codes_show.html", {
            "codes": codes, "next": _next_url(request),
        })
    return render(request, "accounts/two_factor/backup_codes.html", {
        "left": backup_codes.unused(user).count(), "count": backup_codes.COUNT,
        "next": request.GET.get("next") and _next_url(request),
    })


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
            "backup_codes_left": backup_codes.unused(user).count() if device else 0,
            "backup_codes_url": reverse("accounts:two-factor-backup-codes"),
        }
    }
