"""The Django admin's forms for people, with the app's own text rules (agencies: isg/agencies/forms.py).

Usernames are normalised and checked for look-alikes (usernames.py); names and other words an
administrator types refuse markup and hidden characters as every other form does (isg.lib.text).
"""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms

from isg.lib.text import validate_one_line_plain_text

from .models import User
from .usernames import normalise_username, validate_username, validate_username_text

PERSON_TEXT_FIELDS = ("first_name", "last_name", "email")


class PersonTextRulesMixin:
    """`clean_username` and the plain-text check on names, for the add and change forms."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in PERSON_TEXT_FIELDS:
            if name in self.fields:
                self.fields[name].validators.append(validate_one_line_plain_text)

    def clean_username(self) -> str:
        raw = self.cleaned_data.get("username")
        if not raw:
            return raw
        username = normalise_username(raw)
        validate_username_text(username)
        creating = self.instance.pk is None
        if creating or username != self.initial.get("username"):
            # Unchanged usernames made before these rules are left alone.
            validate_username(username, exclude_pk=self.instance.pk)
        return username


class PersonAddForm(PersonTextRulesMixin, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User

    def clean_username(self) -> str:
        self.cleaned_data["username"] = PersonTextRulesMixin.clean_username(self)
        # Django's own: no two usernames that differ only in case.
        return auth_forms.UserCreationForm.clean_username(self)


class PersonChangeForm(PersonTextRulesMixin, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User

