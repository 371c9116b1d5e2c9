"""The admin's agency form: names refuse markup and hidden characters, as the app's own forms do."""

from __future__ import annotations

from django import forms

from isg.lib.text import validate_one_line_plain_text

from .models import Agency


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = "__all__"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "kind"):
            self.fields[name].validators.append(validate_one_line_plain_text)
