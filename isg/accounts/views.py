"""Signing in and out, and looking after your own password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from .lockout import client_ip, locked_out_page
from .models import User
from .password_middleware import password_owed
from .password_reset import password_reset_request
from .passwords import password_changed_by_owner
from .sessions import end_all_sessions


def home_for(user: User) -> str:
    """Where a role starts after signing in. The site root decides for line managers (it lands them on
    Approvals when anything waits) and for roles without a page here."""
    if user.role == User.Role.LINE_MANAGER:
        return reverse("home")
    if user.can_make_decisions:
        return reverse("decisions:mine")
    if user.role == User.Role.ADMIN:
        return reverse("people:list")  # ISG's own pages; Django's admin is for technical superusers only
    if user.role == User.Role.TRAINER:
        return reverse("casestudies:library")
    return reverse("home")


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # A safe `next` still wins (LoginView.get_success_url checks it first).
        return home_for(self.request.user)

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        if form.retry_at:
            return locked_out_page(self.request, form.retry_at, from_here=False)
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    """GET: the choice between this device and every device. POST: sign out (`everywhere=1` ends
    every session of this user, on every device, before ending this one)."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/sign_out.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(settings.LOGIN_URL)
        return render(request, self.template_name)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        everywhere = request.POST.get("everywhere") == "1" and request.user.is_authenticated
        if everywhere:
            end_all_sessions(request.user)
        response = super().post(request, *args, **kwargs)
        if everywhere:
            messages.success(request, "You have signed out on every device and browser.")
        return response


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    from .two_factor_views import account_context  # second factor; imported here, it imports this module

    return render(request, "accounts/account.html", account_context(request))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change your own password (Django's view: it keeps this session and ends the others). While
    someone else's password is on the account, this is the only page the session reaches."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:password-change-done")

    def get_context_data(self, **kwargs):
        owed = password_owed(self.request)
        # base.html: no menu of pages the session cannot open yet.
        return super().get_context_data(**kwargs, must_change=owed, password_owed=owed)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        password_changed_by_owner(user=form.user, by="self")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # The same answer whatever happens: the worker sends the link, within the limits (password_reset.py).
        password_reset_request(email=form.cleaned_data["email"], ip=client_ip(self.request))
        return redirect(self.get_success_url())


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        password_changed_by_owner(user=form.user, by="reset")
        return response


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

