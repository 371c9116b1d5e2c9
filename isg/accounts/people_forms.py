"""Forms of the People pages. They parse and check what was typed; the rules live in people.py and
line_management.py, which the views call."""

from __future__ import annotations

from typing import Any

from django import forms

from isg.agencies.models import Agency
from isg.lib.date_input import DateInputField
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from .invitations import split_name
from .models import User

STATUS_CHOICES = [("active", "Active"), ("inactive", "Switched off"), ("all", "Anyone")]


def manager_label(user: User) -> str:
    return f"{user.display_name} ({user.username}, {user.agency or 'no agency'})"


def line_managers():
    return User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True).select_related("agency").order_by(
        "first_name", "last_name", "username")


class PeopleFilterForm(forms.Form):
    """The People list's filters, from the query string; a value it does not offer is ignored."""

    q = forms.CharField(label="Name, username or email address", required=False, max_length=200)
    agency = forms.ModelChoiceField(Agency.objects.order_by("name"), required=False, label="Agency",
                                    empty_label="Any agency")
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *User.Role.choices])
    status = forms.ChoiceField(label="Account", required=False, choices=STATUS_CHOICES)

    def filters(self) -> dict[str, Any]:
        """The valid filters ({} for an invalid form): a hand-edited URL shows everyone, never an error page."""
        if not self.is_valid():
            return {"status": "active"}
        data = dict(self.cleaned_data)
        data["status"] = data.get("status") or "active"
        return data


class PersonForm(ErrorSummaryMixin, forms.Form):
    """A person's details for the "Change" page. `proposed()` gives them as people.FIELDS values."""

    first_radio_ids: dict[str, str] = {"role": "id_role"}

    name = PlainTextField(one_line=True, label="Full name", max_length=300,
                          error_messages={"required": "Enter their full name"})
    email = forms.EmailField(
        label="Work email address", max_length=254,
        help_text="Every email ISG sends them goes here. Changing it needs a second person to confirm.",
        error_messages={"required": "Enter their work email address",
                        "invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose their role"})
    agency = forms.ModelChoiceField(
        Agency.objects.order_by("name"), required=False, label="Agency", empty_label="No agency",
        help_text="For practitioners and line managers: the agency they work for. A data protection officer with "
                  "none serves every agency.",
    )
    line_manager = forms.ModelChoiceField(
        line_managers(), required=False, label="Line manager", empty_label="None",
        help_text="For practitioners and line managers: who approves their decisions.",
    )
    deputy = forms.ModelChoiceField(
        line_managers(), required=False, label="Deputy", empty_label="None",
        help_text="For line managers: another line manager who approves for them while they are away.",
    )
    is_partnership_lead = forms.BooleanField(
        required=False, label="Partnership lead",
        help_text="Partnership (LSCB) staff only: confirms or refuses changes that give someone access to case "
                  "records.",
    )

    is_designated_safeguarding_lead = forms.BooleanField(
        required=False, label="Designated safeguarding lead",
        help_text="Line managers only: sees every decision of their agency waiting for approval or review, and may "
                  "hand any of them to another approver.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("line_manager", "deputy"):
            self.fields[name].queryset = line_managers()
            self.fields[name].label_from_instance = manager_label

    @classmethod
    def initial_for(cls, person: User) -> dict[str, Any]:
        return {"name": person.get_full_name(), "email": person.email, "role": person.role,
                "agency": person.agency_id, "line_manager": person.line_manager_id, "deputy": person.deputy_id,
                "is_partnership_lead": person.is_partnership_lead,
                "is_designated_safeguarding_lead": person.is_designated_safeguarding_lead}

    def proposed(self) -> dict[str, Any]:
        data = self.cleaned_data
        first_name, last_name = split_name(data["name"])
        return {
            "first_name": first_name, "last_name": last_name, "email": data["email"].strip(),
            "role": data["role"], "agency": data["agency"].pk if data["agency"] else None,
            "line_manager": data["line_manager"].pk if data["line_manager"] else None,
            "deputy": data["deputy"].pk if data["deputy"] else None,
            "is_partnership_lead": bool(data["is_partnership_lead"]),
            "is_designated_safeguarding_lead": bool(data["is_designated_safeguarding_lead"]),
        }


class AwayPeriodForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"starts_on": "id_starts_on_day", "ends_on": "id_ends_on_day"}

    starts_on = DateInputField(label="First day away", error_label="The first day away")
    ends_on = DateInputField(label="Last day away", error_label="The last day away", required=False,
                             help_text="Leave it empty if you do not know yet.")
    reason = PlainTextField(one_line=True, label="Reason", required=False, max_length=100,
                            help_text="Optional and short, such as “annual leave”. Do not give health details.")


class InviteForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {}

    name = PlainTextField(one_line=True, label="Full name", max_length=300,
                          error_messages={"required": "Enter their full name"})
    email = forms.EmailField(label="Work email address", max_length=254, help_text="We will email the invitation here.",
                             error_messages={"required": "Enter their work email address",
                                             "invalid": "Enter an email address in the correct format, like name@example.org"})
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose their role"})
    agency = forms.ModelChoiceField(
        Agency.objects.order_by("name"), required=False, label="Agency", empty_label="Choose an agency",
        help_text="For practitioners and line managers: the agency they work for.",
    )
    line_manager = forms.ModelChoiceField(
        User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True).select_related("agency").order_by("username"),
        required=False, label="Line manager", empty_label="None yet",
        help_text="For practitioners and line managers: a line manager of the same agency.",
    )
    username = forms.CharField(
        label="Username", required=False, max_length=150,
        help_text="They sign in with this. Leave it empty to use the part of their email address before the @.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_manager"].label_from_instance = manager_label
