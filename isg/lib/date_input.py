"""A GOV.UK date input (three boxes: day, month, year) as a form field, with the Design System's messages.

    starts_on = DateInputField(label="First day away", error_label="The first day away")

Render it with `{% include "components/date_field.html" with field=form.starts_on %}`. The boxes post
as `<name>_day`, `<name>_month` and `<name>_year`.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError

PARTS = ("day", "month", "year")


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None) -> None:
        widgets = {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in PARTS}
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateInputField(forms.MultiValueField):
    widget = DateInputWidget

    def __init__(self, *, error_label: str = "The date", **kwargs) -> None:
        self.error_label = error_label
        parts = tuple(forms.CharField(required=False, max_length=10) for _ in PARTS)
        kwargs.setdefault("error_messages", {}).setdefault("required", f"Enter {error_label[0].lower()}{error_label[1:]}")
        super().__init__(parts, require_all_fields=False, **kwargs)

    def compress(self, values) -> datetime.date | None:
        values = [(v or "").strip() for v in (values or [])] + [""] * (3 - len(values or []))
        day, month, year = values[:3]
        if not any((day, month, year)):
            return None
        missing = [part for part, value in zip(PARTS, (day, month, year), strict=True) if not value]
        if missing:
            raise ValidationError(f"{self.error_label} must include a {' and a '.join(missing)}", code="incomplete")
        if not all(v.isdigit() for v in (day, month, year)) or len(year) != 4:
            raise ValidationError(f"{self.error_label} must be a real date, for example 27 3 2026", code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.error_label} must be a real date", code="invalid") from None
