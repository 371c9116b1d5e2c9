"""The document's own emphasis (*italic*, **bold**, as it came out of the source), shown as emphasis."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_STRONG = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_EMPHASIS = re.compile(r"\*(\S(?:.*?\S)?)\*")


@register.filter
def document_text(value: str) -> SafeString:
    """Escape the text first, then turn the document's asterisk emphasis and line breaks into HTML."""
    html = _EMPHASIS.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", escape(value)))
    return mark_safe(html.replace("\n", "<br>"))



