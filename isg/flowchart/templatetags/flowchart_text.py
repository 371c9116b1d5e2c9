"""The diff's summaries name ids in `backticks`: show them as code, so they read as names, not words."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CODE = re.compile(r"`([^`\n]+)`")


@register.filter
def code_spans(value: str) -> SafeString:
    """Escape the text, then show each `backticked` span as <code>."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(value)))
