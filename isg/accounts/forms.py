"""Sign-in and password forms, with the limits the database and the throttle need."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from isg.lib.forms import ErrorSummaryMixin

from .lockout import account_retry_at, retry_time
from .models import User
from .usernames import normalise_username

USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length


class SignInLimitsMixin:
    """For every sign-in form: a username that fits the column, and the per-account slow-down.

    Django's AuthenticationForm sets the username's max_length after the field is built, so the
    length is never checked and a long username reaches the login-attempt records.
    """

    retry_at: datetime | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(
            USERNAME_MAX_LENGTH, message=f"Username must be {USERNAME_MAX_LENGTH} characters or fewer",
        ))
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self) -> str:
        # As usernames are stored (usernames.py): "Pat" signs in as "pat", and is throttled as "pat".
        return normalise_username(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            # Checked before the password: a slowed attempt is not tried, and so not counted.
            self.retry_at = account_retry_at(username)
            if self.retry_at:
                raise ValidationError(
                    "There have been too many attempts to sign in with this username. "
                    f"Try again after {retry_time(self.retry_at)}.",
                    code="slowed",
                )
        return super().clean()


class LoginForm(SignInLimitsMixin, ErrorSummaryMixin, auth_forms.AuthenticationForm):
    first_radio_ids = {}

    @property
    def error_links(self) -> list[tuple[str, str]]:
        # A wrong username or password belongs with the first field (GOV.UK error summary).
        return [(message, "#id_username" if href == "#main-content" else href) for message, href in super().error_links]


class AdminLoginForm(SignInLimitsMixin, AdminAuthenticationForm):
    """The admin's own sign-in page gets the same limits (see admin.py)."""


class PasswordChangeForm(ErrorSummaryMixin, auth_forms.PasswordChangeForm):
    first_radio_ids = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            # Above all when an administrator chose the current one: they would still know it.
            self.add_error("new_password1", "Choose a password that is different from the one you have now")
        return cleaned


class PasswordResetForm(ErrorSummaryMixin, auth_forms.PasswordResetForm):
    first_radio_ids = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages.update({
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        })


class SetPasswordForm(ErrorSummaryMixin, auth_forms.SetPasswordForm):
    first_radio_ids = {}
