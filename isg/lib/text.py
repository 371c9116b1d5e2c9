"""Checks for free text: practitioners write plain words, never markup."""

import re

from django.core.exceptions import ValidationError

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_plain_text(value: str) -> None:
    if _MARKUP.search(value):
        raise ValidationError("Remove the HTML or other markup: write plain text only (for example, “less than” instead of <)")
    if _CONTROL.search(value):
        raise ValidationError("Remove the unusual invisible characters: paste as plain text")
