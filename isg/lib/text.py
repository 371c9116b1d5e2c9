"""Checks for free text: practitioners write plain words, never markup or hidden characters.

Each check names the problem, so the person can find and remove what they pasted. Hidden
characters matter in a record: a right-to-left override makes a case reference or a reason read
differently from how it is stored, and zero-width or tag characters make two references that look
the same compare different.
"""

import re

from django.core.exceptions import ValidationError

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
# C0 controls except tab, line feed and carriage return; DEL; C1 controls (U+0080 to U+009F).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Embeddings, overrides, isolates and marks that change the order text is shown in.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Zero-width spaces and joiners, the word joiner, invisible operators and the byte-order mark.
_ZERO_WIDTH = re.compile("[\u180e\u200b-\u200d\u2060-\u2064\ufeff]")
# Unicode tag characters (U+E0000 to U+E007F): invisible copies of ASCII.
_TAG = re.compile("[\U000e0000-\U000e007f]")
# Anything that starts a new line: CR, LF, next line (U+0085) and the line and paragraph separators.
_LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")
# Line and paragraph separators are never typed; in a many-line field a line break does the job.
_SEPARATOR = re.compile("[\u2028\u2029]")

MARKUP_MESSAGE = "Remove the HTML or other markup: write plain text only (for example, “less than” instead of <)"
CONTROL_MESSAGE = "Remove the hidden control characters (often pasted from another program): paste as plain text"
BIDI_MESSAGE = "Remove the hidden text-direction characters: they can make text show in a different order from how it is saved"
ZERO_WIDTH_MESSAGE = "Remove the hidden zero-width characters (often pasted from another program): paste as plain text"
TAG_MESSAGE = "Remove the hidden tag characters (often pasted from another program): paste as plain text"
SEPARATOR_MESSAGE = "Remove the hidden line or paragraph separator characters: use a normal line break instead"
LINE_BREAK_MESSAGE = "Write this on one line: remove the line breaks"


def validate_plain_text(value: str) -> None:
    """Free text of one or more lines: no markup, no control, direction, zero-width or tag characters."""
    if _MARKUP.search(value):
        raise ValidationError(MARKUP_MESSAGE, code="markup")
    if _CONTROL.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control")
    if _BIDI.search(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi")
    if _ZERO_WIDTH.search(value):
        raise ValidationError(ZERO_WIDTH_MESSAGE, code="zero_width")
    if _TAG.search(value):
        raise ValidationError(TAG_MESSAGE, code="tag")
    if _SEPARATOR.search(value):
        raise ValidationError(SEPARATOR_MESSAGE, code="separator")


def validate_one_line(value: str) -> None:
    """A one-line field (a case reference, a name): no line breaks of any kind."""
    if _LINE_BREAK.search(value):
        raise ValidationError(LINE_BREAK_MESSAGE, code="line_break")


def validate_one_line_plain_text(value: str) -> None:
    """Both checks, line breaks first: the one a person can see and fix most easily."""
    validate_one_line(value)
    validate_plain_text(value)
