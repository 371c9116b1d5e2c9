"""The approver's form and the practitioner's answer: each needs words, in plain text."""

from __future__ import annotations

from django import forms
from django.conf import settings

from isg.decisions.forms import UkDateField, date_example
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

APPROVE, RETURN, NOT_APPROVE = "approve", "return", "not_approve"

# How the reason field is asked, by what the chosen answer does.
REASON_HELP = (
    "If you return it, write the question the practitioner must answer. If you do not agree after sharing, "
    "write the lessons to learn. This is kept in the decision's history."
)


class DecideForm(ErrorSummaryMixin, forms.Form):
    """The approver's answer: one of those the flowchart offers for this decision, with reasons.

    Not approving (offered only where the harm is not serious) also asks when the decision not to
    share will be reviewed, and by whom.
    """

    first_radio_ids = {"action": "id_action"}

    def __init__(self, *args, answers: tuple = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.answers = answers
        labels = ", ".join(f"“{a.label}”" for a in answers)
        self.fields["action"] = forms.ChoiceField(
            label="What do you decide?",
            choices=[(a.id, a.label) for a in answers],
            widget=forms.RadioSelect,
            error_messages={
                "required": f"Select what you decide: {labels}",
                "invalid_choice": "Select one of the answers shown: that answer is not available for this decision",
            },
        )
        self.fields["reason"] = PlainTextField(
            label="Your reason", help_text=REASON_HELP, max_length=settings.ISG_MAX_TEXT_LENGTH,
            error_messages={"required": "Enter your reason (or, if you return it, your question)"},
        )
        self.fields["review_owner"] = PlainTextField(
            one_line=True, label="Who will review the decision not to share", required=False,
            max_length=settings.ISG_MAX_SHORT_TEXT_LENGTH,
            help_text="A name and role. Leave blank for the practitioner who made it.",
        )
        self.fields["review_date"] = UkDateField(
            label="Review the decision by", required=False,
            help_text=f"If you do not approve, the decision not to share is reviewed by then. For example, {date_example()}",
        )
        self.fields["revision"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
        self.order_fields(["action", "review_owner", "review_date", "reason", "revision"])

    @property
    def answer_hints(self) -> dict[str, str]:
        return {a.id: a.hint for a in self.answers if a.hint}

    def clean(self):
        data = super().clean()
        if data.get("reason") is not None and not data["reason"].strip():
            self.add_error("reason", "Enter your reason (or, if you return it, your question)")
        chosen = next((a for a in self.answers if a.id == data.get("action")), None)
        if chosen is not None and chosen.result == "not_approved" and not data.get("review_date") \
                and "review_date" not in self.errors:
            self.add_error("review_date", "Enter the date by which the decision not to share will be reviewed")
        if chosen is None or chosen.result != "not_approved":
            self._errors.pop("review_date", None)
            self._errors.pop("review_owner", None)
            data.pop("review_date", None)
            data.pop("review_owner", None)
        return data


class ReturnAnswerForm(ErrorSummaryMixin, forms.Form):
    return_answer = PlainTextField(
        label="Your answer to the question",
        max_length=settings.ISG_MAX_TEXT_LENGTH,
        error_messages={"required": "Enter your answer to the approver's question"},
    )


class HandOverForm(ErrorSummaryMixin, forms.Form):
    """Hand one waiting item to another line manager of the agency, with the reason."""

    first_radio_ids = {"to": "id_to"}

    def __init__(self, *args, candidates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.fields["to"] = forms.TypedChoiceField(
            label="Who should have it now?", coerce=int, widget=forms.RadioSelect,
            choices=[(c.pk, c.display_name) for c in self.candidates],
            error_messages={"required": "Select who should have it now",
                            "invalid_choice": "Select one of the people shown: that person cannot take it"},
        )
        self.fields["reason"] = PlainTextField(
            label="Why are you handing it over?", max_length=settings.ISG_MAX_TEXT_LENGTH,
            help_text="For example, who is away and until when. It is kept in the decision's history and "
                      "the new approver sees it.",
            error_messages={"required": "Enter why you are handing it over"},
        )
        self.fields["revision"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def chosen(self):
        wanted = self.cleaned_data["to"]
        return next(c for c in self.candidates if c.pk == wanted)


class WithdrawForm(ErrorSummaryMixin, forms.Form):
    """The owner's reason for withdrawing a decision submitted in error (isg/approvals/withdrawal.py)."""

    reason = PlainTextField(
        label="Why are you withdrawing it?", max_length=settings.ISG_MAX_TEXT_LENGTH,
        help_text="For example, it was recorded against the wrong case, or twice. Do not enter names. "
                  "It is kept in the decision's history.",
        error_messages={"required": "Enter why you are withdrawing this decision"},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
