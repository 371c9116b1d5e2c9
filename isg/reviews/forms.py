"""The partnership officer's flag and its clearing: each needs a note, in plain text."""

from __future__ import annotations

from django import forms
from django.conf import settings

from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from .models import ReviewFlag


class FlagForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"purpose": "id_purpose"}

    purpose = forms.ChoiceField(
        label="What is it for?", choices=ReviewFlag.Purpose.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select what the flag is for: audit or learning review",
                        "invalid_choice": "Select audit or learning review"},
    )
    note = PlainTextField(
        label="Why are you flagging it?", max_length=settings.ISG_MAX_TEXT_LENGTH,
        help_text="The partnership and the agency's managers see this note. Do not enter names.",
        error_messages={"required": "Enter why you are flagging this decision"},
    )


class ClearForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"flag": "id_flag"}

    def __init__(self, *args, flags=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.flags = list(flags)
        self.fields["flag"] = forms.TypedChoiceField(
            label="Which flag are you clearing?", coerce=int, widget=forms.RadioSelect,
            choices=[(f.pk, f"{f.get_purpose_display()}, flagged by {f.raised_by.display_name}") for f in self.flags],
            error_messages={"required": "Select which flag you are clearing",
                            "invalid_choice": "Select one of the flags shown: that flag is not open"},
        )
        if len(self.flags) == 1:
            self.fields["flag"].initial = self.flags[0].pk
        self.fields["note"] = PlainTextField(
            label="What did the review find?", max_length=settings.ISG_MAX_TEXT_LENGTH,
            help_text="Why the flag can be cleared. It is kept in the decision's history. Do not enter names.",
            error_messages={"required": "Enter why you are clearing the flag"},
        )
