"""Form helpers for GOV.UK error summaries, and a text field that refuses hidden characters."""

from __future__ import annotations

from typing import Any

from django import forms

from .text import validate_one_line_plain_text, validate_plain_text


class ErrorSummaryMixin:
    """`error_links`: each error with the id of the field it belongs to, in page order."""

    first_radio_ids: dict[str, str] = {"answer": "answer"}

    @property
    def error_links(self) -> list[tuple[str, str]]:
        links = []
        for name in self.fields:
            for error in self.errors.get(name, []):
                links.append((error, f"#{self.first_radio_ids.get(name) or self[name].auto_id}"))
        for error in self.non_field_errors():
            links.append((error, "#main-content"))
        return links


class PlainTextField(forms.CharField):
    """Plain words: no markup or hidden characters; `one_line=True` also refuses line breaks.

    Use it (or the validators in `isg.lib.text`) for every free-text field: a text input cannot
    hold a line break when a browser sends it, but a crafted POST can.
    """

    def __init__(self, *, one_line: bool = False, **kwargs: Any) -> None:
        check = validate_one_line_plain_text if one_line else validate_plain_text
        kwargs["validators"] = [check, *kwargs.get("validators", ())]
        kwargs.setdefault("widget", forms.TextInput() if one_line else forms.Textarea(attrs={"rows": 4}))
        super().__init__(**kwargs)
