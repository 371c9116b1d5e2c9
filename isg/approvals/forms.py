"""The approver's form and the practitioner's answer: each needs words, in plain text."""

from __future__ import annotations

from django import forms
from django.conf import settings

from isg.lib.forms import ErrorSummaryMixin, PlainTextField

APPROVE, RETURN, NOT_APPROVE = "approve", "return", "not_approve"


class DecideForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"action": "id_action"}

    action = forms.ChoiceField(
        label="What do you decide?",
        choices=[
            (APPROVE, "Approve: the practitioner may share as recorded"),
            (RETURN, "Return it with a question: the practitioner answers and submits again"),
            (NOT_APPROVE, "Do not approve: the information must not be shared"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you approve, return or do not approve this decision"},
    )
    reason = PlainTextField(
        label="Your reason",
        help_text="If you return it, write the question the practitioner must answer. This is kept in the decision's history.",
        max_length=settings.ISG_MAX_TEXT_LENGTH,
        error_messages={"required": "Enter your reason (or, if you return it, your question)"},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("reason") is not None and not data["reason"].strip():
            self.add_error("reason", "Enter your reason (or, if you return it, your question)")
        return data


class ReturnAnswerForm(ErrorSummaryMixin, forms.Form):
    return_answer = PlainTextField(
        label="Your answer to the question",
        max_length=settings.ISG_MAX_TEXT_LENGTH,
        error_messages={"required": "Enter your answer to the approver's question"},
    )
