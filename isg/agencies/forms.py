"""Agency forms: the Agencies pages' (AgencyPageForm) and the Django admin's (AgencyForm). Names refuse
markup and hidden characters, as the app's own forms do."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from isg.lib.forms import ErrorSummaryMixin, PlainTextField
from isg.lib.text import validate_one_line_plain_text

from .models import Agency

NAME_MAX_LENGTH = Agency._meta.get_field("name").max_length


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "slug", "kind"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "kind"):
            self.fields[name].validators.append(validate_one_line_plain_text)


class AgencyPageForm(ErrorSummaryMixin, forms.Form):
    """Name and kind; the short name (slug) is made from the name when the agency is added and never
    changes after: single sign-on's group map and imports name agencies by it."""

    first_radio_ids = {}

    name = PlainTextField(one_line=True, label="Name", max_length=NAME_MAX_LENGTH,
                          error_messages={"required": "Enter the agency's name",
                                          "max_length": f"The name must be {NAME_MAX_LENGTH} characters or fewer"})
    kind = PlainTextField(one_line=True, label="Kind of agency", required=False, max_length=100,
                          help_text="For example police, health, education.")

    def __init__(self, *args, agency: Agency | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = Agency.objects.filter(name__iexact=name)
        if self.agency is not None:
            others = others.exclude(pk=self.agency.pk)
        if others.exists():
            raise forms.ValidationError("There is already an agency with this name")
        if self.agency is None and not slugify(name):
            raise forms.ValidationError("The name must have some letters or digits")
        return name

    def slug(self) -> str:
        """A short name not yet taken, from the name (only for a new agency)."""
        base = slugify(self.cleaned_data["name"])[:55] or "agency"
        slug, n = base, 1
        while Agency.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug
