"""Forms built from the flowchart: one question, its extra fields and a rationale."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from isg.engine import Field, Node, State, Step
from isg.lib.forms import ErrorSummaryMixin
from isg.lib.text import validate_plain_text

from .services import stored_step

DATE_FORMATS = ("%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")


def text_field(*, label: str, required: bool, long: bool, **kwargs: Any) -> forms.CharField:
    limit = settings.ISG_MAX_TEXT_LENGTH if long else settings.ISG_MAX_SHORT_TEXT_LENGTH
    return forms.CharField(
        label=label, required=required, max_length=limit, validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput(),
        error_messages={
            "max_length": f"{label} must be {limit} characters or fewer (it has %(show_value)d)",
            "required": f"Enter {label[:1].lower()}{label[1:].rstrip('?')}",
        },
        **kwargs,
    )


class UkDateField(forms.DateField):
    input_formats = DATE_FORMATS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            error_messages={"invalid": "Enter a real date, for example 31/12/2026"}, **kwargs,
        )

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value and value < timezone.localdate():
            raise forms.ValidationError("The review date must be today or in the future")


def flowchart_field(spec: Field) -> forms.Field:
    """A form field for one extra answer; requiredness is decided in `clean` from answer and state."""
    if spec.type == "date":
        return UkDateField(label=spec.label, required=False, help_text=spec.hint)
    if spec.type == "choice":
        return forms.ChoiceField(
            label=spec.label, required=False, help_text=spec.hint, widget=forms.RadioSelect,
            choices=[(c.id, c.label) for c in spec.choices],
            error_messages={"invalid_choice": "Select one of the options"},
        )
    return text_field(label=spec.label, required=False, long=spec.type == "textarea", help_text=spec.hint)


def stored_values(cleaned: dict[str, Any], specs: tuple[Field, ...]) -> dict[str, str]:
    """Extra fields as a decision stores them: text, with dates as ISO strings, blanks left out."""
    values = {}
    for spec in specs:
        value = cleaned.get(spec.id)
        if value not in (None, ""):
            values[spec.id] = value.isoformat() if isinstance(value, datetime.date) else value
    return values


class QuestionForm(ErrorSummaryMixin, forms.Form):
    """One flowchart question: the answer, the node's extra fields and the rationale."""

    def __init__(self, *args: Any, node: Node, state: State, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node, self.state = node, state
        self.offered = node.offered_answers(state)
        self.fields["answer"] = forms.ChoiceField(
            label=node.question, choices=[(a.id, a.label) for a in self.offered], widget=forms.RadioSelect,
            error_messages={
                "required": "Select an answer",
                "invalid_choice": "Select one of the answers shown: that answer is not available here",
            },
        )
        for spec in node.fields:
            self.fields[spec.id] = flowchart_field(spec)
        needing = [a.label for a in self.offered if a.requires_rationale]
        if len(needing) == len(self.offered):
            hint = "Explain how you reached this answer: it becomes part of the record."
        elif needing:
            hint = f"Required if you answer {', or '.join(f'“{label}”' for label in needing)}. Explain how you reached your answer."
        else:
            hint = "Explain how you reached this answer, if it helps the record."
        self.rationale_optional = not needing
        self.fields["rationale"] = text_field(label="Your reasons", required=False, long=True, help_text=hint)
        self.fields["revision"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @property
    def extra_fields(self) -> list[forms.BoundField]:
        return [self[spec.id] for spec in self.node.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answer_id = data.get("answer")
        if not answer_id:
            return data
        answer = self.node.answer(answer_id)
        if answer and answer.requires_rationale and not data.get("rationale"):
            self.add_error("rationale", f"Explain why you answered “{answer.label}”")
        for spec in self.node.fields:
            if spec.is_required(answer=answer_id, state=self.state) and data.get(spec.id) in (None, ""):
                verb = "Select" if spec.type == "choice" else "Enter"
                self.add_error(spec.id, f"{verb} {spec.label[:1].lower()}{spec.label[1:].rstrip('?')}")
        return data

    def step_fields(self) -> dict[str, str]:
        return stored_values(self.cleaned_data, self.node.fields)

    def step(self) -> Step:
        """The validated answer as the decision stores it."""
        return stored_step(
            node=self.node.id, answer=self.cleaned_data["answer"], rationale=self.cleaned_data["rationale"],
            fields=self.step_fields(),
        )


class StartForm(QuestionForm):
    """The first page: the case reference, then the `start` question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_reference"] = text_field(
            label="Case reference", required=True, long=False,
            help_text="Your organisation's case or file number. Do not enter names.",
        )
        self.fields["case_reference"].max_length = 100
        self.order_fields(["case_reference"])


class RecordForm(ErrorSummaryMixin, forms.Form):
    """The details asked on the check-answers page (review owner and date, follow-up)."""

    def __init__(self, *args: Any, node: Node, state: State, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node, self.state = node, state
        for spec in node.fields:
            self.fields[spec.id] = flowchart_field(spec)
        self.fields["revision"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for spec in self.node.fields:
            if spec.is_required(answer=None, state=self.state) and data.get(spec.id) in (None, ""):
                self.add_error(spec.id, f"Enter the {spec.label[:1].lower()}{spec.label[1:]}")
        return data

    def record_values(self) -> dict[str, str]:
        return stored_values(self.cleaned_data, self.node.fields)
