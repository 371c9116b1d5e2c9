"""The directory page's form: plain words only (isg.lib.text), a name no other organisation has."""

from __future__ import annotations

from django import forms

from isg.agencies.models import Agency
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from .models import Organisation

NAME_MAX_LENGTH = Organisation._meta.get_field("name").max_length


class OrganisationForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"kind": "id_kind"}

    name = PlainTextField(one_line=True, label="Name", max_length=NAME_MAX_LENGTH,
                          error_messages={"required": "Enter the organisation's name",
                                          "max_length": f"The name must be {NAME_MAX_LENGTH} characters or fewer"})
    kind = forms.ChoiceField(label="Kind of organisation", choices=Organisation.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of organisation"})
    agency = forms.ModelChoiceField(
        Agency.objects.order_by("name"), required=False, label="Agency", empty_label="Not a member agency",
        help_text="Member agencies only: which of the partnership's agencies this is.",
    )
    secure_contact_routes = PlainTextField(
        label="Secure ways to send to them", required=False, max_length=2000,
        help_text="A secure email address, a portal, a phone number: one a line. Do not put personal details here.",
    )

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Organisation.objects.filter(name__iexact=name)
        if self.organisation is not None:
            others = others.exclude(pk=self.organisation.pk)
        if others.exists():
            raise forms.ValidationError("There is already an organisation with this name in the directory")
        return name

    def clean(self):
        cleaned = super().clean()
        kind, agency = cleaned.get("kind"), cleaned.get("agency")
        if kind == Organisation.Kind.MEMBER_AGENCY and agency is None:
            self.add_error("agency", "Choose which agency of the partnership this is")
        elif kind and kind != Organisation.Kind.MEMBER_AGENCY and agency is not None:
            self.add_error("agency", "Only a member agency is one of the partnership's agencies: choose “Not a member "
                                     "agency”, or the kind “Member agency of the partnership”")
        elif agency is not None:
            taken = Organisation.objects.filter(agency=agency)
            if self.organisation is not None:
                taken = taken.exclude(pk=self.organisation.pk)
            if taken.exists():
                self.add_error("agency", f"{agency.name} is already in the directory")
        return cleaned
