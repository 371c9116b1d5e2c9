"""The "Add a follow-up action" form: what is to be done, who will do it, by when. GOV.UK patterns, plain text."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from isg.accounts.models import User
from isg.lib.date_input import DateInputField
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from .services import PAST_DUE

OUT_OF_DATE = "This form was out of date, so nothing was saved. Check your answers and add the action again"
CHOOSE_OWNER = "Select who will do it from the list"


class ActionForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"due_on": "id_due_on_day", "token": "main-content"}

    token = forms.UUIDField(widget=forms.HiddenInput,
                            error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE})
    description = PlainTextField(
        label="What is to be done", max_length=settings.ISG_MAX_TEXT_LENGTH,
        help_text="One action. Describe the task, not the person: for example, 'ask the school for the "
                  "attendance record'.",
        error_messages={"required": "Enter what is to be done",
                        "max_length": f"What is to be done must be {settings.ISG_MAX_TEXT_LENGTH} characters or fewer"},
    )
    owner = forms.ChoiceField(
        label="Who will do it", help_text="You, or a colleague in your agency. It goes on their To do list.",
        error_messages={"required": CHOOSE_OWNER, "invalid_choice": CHOOSE_OWNER},
    )
    due_on = DateInputField(label="Due date", error_label="The due date")

    def __init__(self, *args: Any, owners: list[User], actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {str(person.pk): person for person in owners}
        self.fields["owner"].choices = [
            (str(person.pk), f"{person.display_name} (you)" if person.pk == actor.pk
             else f"{person.display_name}, {person.get_role_display().lower()}")
            for person in owners
        ]

    def clean_owner(self) -> User:
        person = self.owners.get(self.cleaned_data["owner"])
        if person is None:
            raise forms.ValidationError(CHOOSE_OWNER)
        return person

    def clean_due_on(self) -> datetime.date:
        due_on = self.cleaned_data["due_on"]
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError(PAST_DUE)
        return due_on
