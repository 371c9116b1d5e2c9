"""The two forms: record a share, and record whether the person was told. GOV.UK patterns, plain text only."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from isg.directory.models import Organisation
from isg.lib.date_input import DateInputField
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from .models import Share, Telling

ANOTHER = "another"
OUT_OF_DATE = "This form was out of date, so nothing was saved. Check your answers and submit again"
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*(am|pm)?\s*$", re.IGNORECASE)


def _short(label: str, *, required: bool = True, required_message: str = "", **kwargs: Any) -> PlainTextField:
    limit = 200
    return PlainTextField(
        one_line=True, label=label, required=required, max_length=limit,
        error_messages={"required": required_message or f"Enter {label[:1].lower()}{label[1:]}",
                        "max_length": f"{label} must be {limit} characters or fewer"}, **kwargs)


def _long(label: str, *, required: bool = True, **kwargs: Any) -> PlainTextField:
    limit = settings.ISG_MAX_TEXT_LENGTH
    return PlainTextField(
        label=label, required=required, max_length=limit,
        error_messages={"required": f"Enter {label[:1].lower()}{label[1:]}",
                        "max_length": f"{label} must be {limit} characters or fewer"}, **kwargs)


def _token() -> forms.UUIDField:
    return forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE})


class ShareForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"shared_on": "id_shared_on_day", "token": "main-content"}

    token = _token()
    shared_on = DateInputField(label="Date shared", error_label="The date shared")
    shared_time = forms.CharField(
        label="Time shared", max_length=8, help_text="Use the 24-hour clock, for example 14:30",
        error_messages={"required": "Enter the time shared"},
    )
    organisation = forms.ChoiceField(
        label="Organisation shared with", help_text="From the partnership's directory. If it is not listed, "
        "choose 'Another organisation' and give its name.",
        error_messages={"required": "Select the organisation you shared with, or name another",
                        "invalid_choice": "Select the organisation you shared with, or name another"},
    )
    recipient_name = _short("Name of the other organisation", required=False,
                            help_text="Only if you chose 'Another organisation'.")
    recipient_person = _short("Person or role you shared with",
                              required_message="Enter the person or role you shared with", help_text="For example, duty social worker. "
                              "A role is enough.")
    method = forms.ChoiceField(label="How you shared it", choices=Share.Method.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Select how you shared the information"})
    what_shared = _long("What you shared", help_text="Describe the information, not the person: for example, "
                        "'dates and description of the bruising'.")
    withheld = _long("Anything you held back", required=False,
                     help_text="Information you decided not to share, and why.")
    receipt_confirmed = forms.ChoiceField(
        label="Has the recipient confirmed they received it?", required=False, widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")],
    )
    emergency_reason = _long("If it was an emergency: why you shared before the approval came", required=False,
                             help_text="Your manager will review the sharing after it, today.")

    def __init__(self, *args: Any, emergency_possible: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = list(Organisation.objects.active().values_list("pk", "name"))
        self.fields["organisation"].choices = [("", "Choose an organisation"),
                                               *[(str(pk), name) for pk, name in organisations],
                                               (ANOTHER, "Another organisation")]
        if not emergency_possible:
            del self.fields["emergency_reason"]

    def clean_shared_time(self) -> datetime.time:
        found = _TIME.match(self.cleaned_data["shared_time"])
        hour, minute = (int(found.group(1)), int(found.group(2))) if found else (99, 99)
        if found and found.group(3):
            if not 1 <= hour <= 12:
                hour = 99
            hour = hour % 12 + (12 if found.group(3).lower() == "pm" else 0)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise forms.ValidationError("Enter a real time, for example 14:30")
        return datetime.time(hour, minute)

    def clean(self) -> dict:
        cleaned = super().clean()
        choice = cleaned.get("organisation")
        if choice == ANOTHER and not cleaned.get("recipient_name"):
            self.add_error("recipient_name", "Enter the name of the other organisation")
        if choice not in (None, "", ANOTHER):
            cleaned["organisation_object"] = Organisation.objects.active().filter(pk=choice).first()
            if cleaned["organisation_object"] is None:
                self.add_error("organisation", "Select the organisation you shared with, or name another")
        else:
            cleaned["organisation_object"] = None
        return cleaned

    def shared_at(self) -> datetime.datetime:
        moment = datetime.datetime.combine(self.cleaned_data["shared_on"], self.cleaned_data["shared_time"])
        return timezone.make_aware(moment, timezone.get_current_timezone())

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "token": data["token"], "shared_at": self.shared_at(), "organisation": data["organisation_object"],
            "recipient_name": data.get("recipient_name", "") if data["organisation"] == ANOTHER else "",
            "recipient_person": data["recipient_person"], "method": data["method"], "what_shared": data["what_shared"],
            "withheld": data.get("withheld", ""),
            "receipt_confirmed": {"yes": True, "no": False}.get(data.get("receipt_confirmed") or ""),
            "emergency_reason": data.get("emergency_reason", ""),
        }


class TellingForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"told_on": "id_told_on_day", "reconsider_by": "id_reconsider_by_day", "token": "main-content"}

    token = _token()
    told = forms.ChoiceField(
        label="Has the person been told what was shared?", widget=forms.RadioSelect,
        choices=[("yes", "Yes, they have been told"), ("no", "No, they have not been told")],
        help_text="The person the information is about (or, for a child who cannot decide, a parent, if that is safe).",
        error_messages={"required": "Select whether the person has been told"},
    )
    told_on = DateInputField(label="Date they were told", error_label="The date they were told", required=False)
    told_by = _short("Who told them", required=False, help_text="A name or a role.")
    how = forms.ChoiceField(label="How they were told", choices=Telling.How.choices, widget=forms.RadioSelect,
                            required=False)
    not_told_reason = forms.ChoiceField(label="Why they have not been told", widget=forms.RadioSelect, required=False)
    agreed_by = _short("Name of the data protection officer or Caldicott guardian who agreed", required=False,
                       help_text="Only for another reason.")
    reconsider_by = DateInputField(label="Date to reconsider telling them", error_label="The date to reconsider",
                                   required=False)

    def __init__(self, *args: Any, reasons: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["not_told_reason"].choices = reasons

    def clean(self) -> dict:
        cleaned = super().clean()
        told = cleaned.get("told")
        if told == "yes":
            for name, message in (("told_on", "Enter the date they were told"), ("told_by", "Enter who told them"),
                                  ("how", "Select how they were told")):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
        elif told == "no":
            if not cleaned.get("not_told_reason") and "not_told_reason" not in self.errors:
                self.add_error("not_told_reason", "Select why they have not been told")
            if cleaned.get("not_told_reason") == "other" and not cleaned.get("agreed_by"):
                self.add_error("agreed_by", "Enter the name of the data protection officer or Caldicott guardian who agreed")
            if not cleaned.get("reconsider_by") and "reconsider_by" not in self.errors:
                self.add_error("reconsider_by", "Enter the date to reconsider telling them")
        return cleaned

    def values(self) -> dict:
        data, told = self.cleaned_data, self.cleaned_data["told"] == "yes"
        return {
            "token": data["token"], "told": told, "told_on": data.get("told_on"), "told_by": data.get("told_by", ""),
            "how": data.get("how", ""), "not_told_reason": data.get("not_told_reason", ""),
            "agreed_by": data.get("agreed_by", ""), "reconsider_by": data.get("reconsider_by"),
        }
