"""Forms built from the flowchart: one question, its extra fields and a rationale."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from isg.engine import START, Answer, Field, Node, State, Step
from isg.lib.forms import ErrorSummaryMixin
from isg.lib.text import validate_one_line_plain_text, validate_plain_text

from .models import Decision
from .services import stored_step

# The first format is the one the hint shows: three numbers, as GOV.UK's date pattern asks.
DATE_FORMATS = ("%d %m %Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")
TICKED = "yes"  # how a ticked `confirm` field is stored
_DATE_EXAMPLE = re.compile(r"\b\d{1,2} \d{1,2} \d{4}\b")


def date_example() -> str:
    """A plausible future date in the format the form asks for, for example "27 3 2027"."""
    day = timezone.localdate() + datetime.timedelta(days=120)
    return f"{day.day} {day.month} {day.year}"


def text_field(*, label: str, required: bool, long: bool, limit: int | None = None, **kwargs: Any) -> forms.CharField:
    limit = limit or (settings.ISG_MAX_TEXT_LENGTH if long else settings.ISG_MAX_SHORT_TEXT_LENGTH)
    return forms.CharField(
        label=label, required=required, max_length=limit,
        # One-line fields refuse line breaks too: they are shown, exported and searched as one line.
        validators=[validate_plain_text if long else validate_one_line_plain_text],
        widget=forms.Textarea(attrs={"rows": 4}) if long else forms.TextInput(),
        error_messages={
            "max_length": f"{label} must be {limit} characters or fewer (it has %(show_value)d)",
            "required": f"Enter {_lower_first(label).rstrip('?')}",
        },
        **kwargs,
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class UkDateField(forms.DateField):
    input_formats = DATE_FORMATS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            error_messages={"invalid": f"Enter a real date as day, month and year, for example {date_example()}"}, **kwargs,
        )

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value and value < timezone.localdate():
            raise forms.ValidationError(f"{self.label or 'The date'} must be today or in the future")


def flowchart_field(spec: Field) -> forms.Field:
    """A form field for one extra answer; requiredness is decided in `clean` from answer, state and values."""
    if spec.type == "date":
        hint = spec.hint
        if not _DATE_EXAMPLE.search(hint):  # the format comes first, before anything is typed
            hint = f"{hint} For example, {date_example()}".strip()
        return UkDateField(label=spec.label, required=False, help_text=hint)
    if spec.type == "choice":
        return forms.ChoiceField(
            label=spec.label, required=False, help_text=spec.hint, widget=forms.RadioSelect,
            choices=[(c.id, c.label) for c in spec.choices],
            error_messages={"invalid_choice": "Select one of the options"},
        )
    if spec.type == "confirm":
        return forms.BooleanField(label=spec.label, required=False, help_text=spec.hint)
    if spec.type == "number":
        bounds = _bounds_text(spec)
        return forms.IntegerField(
            label=spec.label, required=False, help_text=spec.hint, min_value=spec.minimum, max_value=spec.maximum,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
            error_messages={
                "invalid": f"{spec.label} must be a whole number{bounds}",
                "min_value": f"{spec.label} must be a whole number{bounds}",
                "max_value": f"{spec.label} must be a whole number{bounds}",
            },
        )
    return text_field(label=spec.label, required=False, long=spec.type == "textarea", help_text=spec.hint)


def _bounds_text(spec: Field) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f" from {spec.minimum} to {spec.maximum}"
    if spec.minimum is not None:
        return f" of at least {spec.minimum}"
    if spec.maximum is not None:
        return f" of at most {spec.maximum}"
    return ""


def stored_values(cleaned: dict[str, Any], specs: tuple[Field, ...]) -> dict[str, str]:
    """Extra fields as a decision stores them: text, dates as ISO strings, ticks as "yes", blanks left out."""
    values = {}
    for spec in specs:
        value = cleaned.get(spec.id)
        if value is True:
            values[spec.id] = TICKED
        elif isinstance(value, int) and not isinstance(value, bool):
            values[spec.id] = str(value)
        elif value not in (None, "", False):
            values[spec.id] = value.isoformat() if isinstance(value, datetime.date) else value
    return values


def missing_message(spec: Field) -> str:
    """What to do about an empty required field, in GOV.UK's words."""
    if spec.type == "confirm":
        text = spec.label.removeprefix("I confirm").strip()
        return f"Confirm {text}" if text != spec.label else f"Tick the box to confirm: {spec.label}"
    verb = "Select" if spec.type == "choice" else "Enter"
    return f"{verb} {_lower_first(spec.label).rstrip('?')}"


def _is_missing(spec: Field, value: Any) -> bool:
    return value in (None, "", False)


def _requiredness(spec: Field, answers: list[Answer], state: State) -> tuple[bool, str]:
    """(optional, note): optional when no answer it is shown for requires it; a note when some do."""
    if spec.required_if:
        return False, ""
    needing = [a for a in answers if spec.is_required(answer=a.id, state=state, values={})]
    if not needing:
        return True, ""
    if len(needing) == len(answers):
        return False, ""
    return False, f"Needed if you answer {' or '.join(f'“{a.label}”' for a in needing)}."


def _marked_optional(spec: Field, optional: bool) -> bool:
    """Whether to add "(optional)": not when the flowchart's label says so already."""
    return optional and "(optional)" not in spec.label.lower()


@dataclass(frozen=True)
class PageField:
    """One extra field as the page shows it: where (under an answer, or after the answers) and how."""

    bound: forms.BoundField
    spec: Field
    optional: bool
    note: str
    reveal_under: str  # the answer id it is revealed under, or "" when shown after the answers


class QuestionForm(ErrorSummaryMixin, forms.Form):
    """One flowchart question: the answer, the node's extra fields and the rationale."""

    def __init__(self, *args: Any, node: Node, state: State, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node, self.state = node, state
        self.offered = node.offered_answers(state)
        self.question = node.question_for(state)
        # Fields shown only in some states (`shown_when`) are not on this page in others.
        self.specs = tuple(spec for spec in node.fields if spec.is_shown_in(state))
        self.fields["answer"] = forms.ChoiceField(
            label=self.question, choices=[(a.id, a.label) for a in self.offered], widget=forms.RadioSelect,
            error_messages={
                "required": self._choose_message(),
                "invalid_choice": "Select one of the answers shown: that answer is not available here",
            },
        )
        for spec in self.specs:
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

    def _choose_message(self) -> str:
        if self.node.id == START:
            labels = [f"“{a.label}”" for a in self.offered]
            listing = ", ".join(labels[:-1]) + f" or {labels[-1]}" if len(labels) > 1 else "".join(labels)
            return f"Select what is happening: {listing}"
        return f"Select an answer to “{self.question}”"

    @property
    def page_fields(self) -> list[PageField]:
        """The node's fields this page shows, in order, each marked optional or not."""
        rows = []
        for spec in self.specs:
            answers = [a for a in self.offered if spec.is_shown_for(a.id)]
            if not answers:
                continue
            optional, note = _requiredness(spec, answers, self.state)
            if spec.required_if:
                note = self._required_if_note(spec)
            under = answers[0].id if spec.shown_for and len(answers) == 1 else ""
            if spec.shown_for and len(answers) > 1:
                note = " ".join(filter(None, [f"Only if you answer {' or '.join(f'“{a.label}”' for a in answers)}.", note]))
            rows.append(PageField(self[spec.id], spec, _marked_optional(spec, optional), note, under))
        return rows

    def _required_if_note(self, spec: Field) -> str:
        """When another field's value makes this one needed: "Needed if you choose “Another reason”."""
        wanted = []
        for other_id, values in spec.required_if.items():
            other = next((f for f in self.node.fields if f.id == other_id), None)
            labels = {c.id: c.label for c in other.choices} if other else {}
            for value in values if isinstance(values, tuple) else (values,):
                wanted.append(f"“{labels.get(value, value)}”" if not isinstance(value, bool) else f"“{other.label if other else other_id}”")
        return f"Needed if you choose {' or '.join(wanted)}." if wanted else ""

    @property
    def extra_fields(self) -> list[PageField]:
        """Fields shown after the answers (not revealed under one of them)."""
        return [f for f in self.page_fields if not f.reveal_under]

    @property
    def revealed(self) -> dict[str, list[PageField]]:
        """Fields revealed under an answer, by answer id (GOV.UK conditional reveals)."""
        by_answer: dict[str, list[PageField]] = {}
        for row in self.page_fields:
            if row.reveal_under:
                by_answer.setdefault(row.reveal_under, []).append(row)
        return by_answer

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answer_id = data.get("answer")
        for spec in self.specs:
            # A field not shown for the chosen answer is discarded, errors and all.
            if (answer_id and not spec.is_shown_for(answer_id)) or (not answer_id and spec.shown_for):
                self._errors.pop(spec.id, None)
                data.pop(spec.id, None)
        if not answer_id:
            return data
        answer = self.node.answer(answer_id)
        if answer and answer.requires_rationale and not data.get("rationale"):
            self.add_error("rationale", f"Explain why you answered “{answer.label}”")
        values = {spec.id: data.get(spec.id) for spec in self.specs if spec.id in data}
        for spec in self.specs:
            if spec.id in data and spec.is_required(answer=answer_id, state=self.state, values=values) \
                    and _is_missing(spec, data.get(spec.id)) and spec.id not in self.errors:
                self.add_error(spec.id, missing_message(spec))
        return data

    def step_fields(self) -> dict[str, str]:
        answer_id = self.cleaned_data.get("answer")
        return stored_values(self.cleaned_data, tuple(f for f in self.specs if f.is_shown_for(answer_id)))

    def step(self) -> Step:
        """The validated answer as the decision stores it."""
        return stored_step(
            node=self.node.id, answer=self.cleaned_data["answer"], rationale=self.cleaned_data["rationale"],
            fields=self.step_fields(),
        )


class StartForm(QuestionForm):
    """The first page: the case reference, then the `start` question, with a one-time token."""

    first_radio_ids = {"answer": "answer", "start_token": "main-content"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_reference"] = text_field(
            label="Case reference", required=True, long=False,
            # The form's limit is the column's, so a longer reference is an error message, not a database error.
            limit=Decision._meta.get_field("case_reference").max_length,
            help_text="Your organisation's case or file number. Do not enter names.",
        )
        self.fields["start_token"] = forms.UUIDField(
            widget=forms.HiddenInput, required=True,
            error_messages={
                "required": "This form was out of date, so nothing was saved. Check your answers and continue again",
                "invalid": "This form was out of date, so nothing was saved. Check your answers and continue again",
            },
        )
        self.order_fields(["case_reference"])


class RecordForm(ErrorSummaryMixin, forms.Form):
    """The details asked on the check-answers page (review owner and date, follow-up)."""

    def __init__(self, *args: Any, node: Node, state: State, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.node, self.state = node, state
        for spec in node.fields:
            self.fields[spec.id] = flowchart_field(spec)
        self.fields["revision"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @property
    def page_fields(self) -> list[PageField]:
        return [
            PageField(self[spec.id], spec,
                      _marked_optional(spec, not spec.required_if and not spec.is_required(answer=None, state=self.state)),
                      "", "")
            for spec in self.node.fields
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = {spec.id: data.get(spec.id) for spec in self.node.fields}
        for spec in self.node.fields:
            if spec.is_required(answer=None, state=self.state, values=values) and _is_missing(spec, data.get(spec.id)) \
                    and spec.id not in self.errors:
                self.add_error(spec.id, missing_message(spec) if spec.type == "confirm" else f"Enter the {_lower_first(spec.label)}")
        return data

    def record_values(self) -> dict[str, str]:
        return stored_values(self.cleaned_data, self.node.fields)
