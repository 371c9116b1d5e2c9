"""Free text refuses markup and hidden characters, naming the problem; one-line fields refuse line breaks."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from isg.lib.forms import PlainTextField
from isg.lib.text import validate_one_line, validate_one_line_plain_text, validate_plain_text


def error(check, value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        check(value)
    return caught.value.messages[0]


@pytest.mark.parametrize("value, named", [
    ("CR-123\u202e456", "text-direction"),   # right-to-left override
    ("abc\u202d", "text-direction"),          # left-to-right override
    ("\u2067hidden\u2069", "text-direction"),  # isolates
    ("a\u200fb", "text-direction"),           # right-to-left mark
    ("CR\u200b123", "zero-width"),            # zero-width space
    ("CR\u200d123", "zero-width"),            # zero-width joiner
    ("\ufeffCR123", "zero-width"),            # byte-order mark
    ("CR\u2060123", "zero-width"),            # word joiner
    ("CR123\U000e0041\U000e0042", "tag"),     # tag characters
    ("CR\x85123", "control"),                 # C1: next line
    ("CR\x9b123", "control"),                 # C1: control sequence introducer
    ("CR\x80", "control"),
    ("CR\x1b[31m", "control"),                # C0: escape
    ("CR\x7f", "control"),                    # delete
    ("line\u2028separator", "separator"),
    ("<script>", "markup"),
])
def test_hidden_characters_are_refused_with_a_message_naming_them(value, named):
    message = error(validate_plain_text, value)
    words = {"text-direction": "text-direction", "zero-width": "zero-width", "tag": "tag characters",
             "control": "control characters", "separator": "separator", "markup": "markup"}
    assert words[named] in message


@pytest.mark.parametrize("value", [
    "Concerns about Sam (aged 7): bruising, seen 3 times.",
    "Two lines\nare fine here",
    "Windows line\r\nbreaks too",
    "Tabs\tare fine",
    "Accents and other scripts: Zoë, Łódź, مرحبا, 日本語",
    "Emoji 👍 and £ € signs",
    "Less than: 3 < 4",
])
def test_ordinary_text_is_accepted(value):
    validate_plain_text(value)


@pytest.mark.parametrize("value", ["CR-1\n23", "CR-1\r23", "CR-1\u2028", "CR-1\u2029", "CR\x85"])
def test_one_line_fields_refuse_every_kind_of_line_break(value):
    assert error(validate_one_line, value) == "Write this on one line: remove the line breaks"
    assert error(validate_one_line_plain_text, value) == "Write this on one line: remove the line breaks"


def test_one_line_fields_still_refuse_hidden_characters():
    assert "text-direction" in error(validate_one_line_plain_text, "CR\u202e1")
    validate_one_line_plain_text("CR-2026-0042")


class Example(forms.Form):
    reference = PlainTextField(one_line=True, max_length=100)
    notes = PlainTextField(required=False)


def test_the_plain_text_field_applies_the_checks():
    form = Example({"reference": "CR\n1", "notes": "fine\nover two lines"})
    assert not form.is_valid()
    assert form.errors["reference"] == ["Write this on one line: remove the line breaks"]
    assert "notes" not in form.errors
    form = Example({"reference": "CR-1", "notes": "a\u200bb"})
    assert not form.is_valid() and "zero-width" in form.errors["notes"][0]
    assert Example({"reference": "CR-1", "notes": ""}).is_valid()
    assert isinstance(Example().fields["notes"].widget, forms.Textarea)
