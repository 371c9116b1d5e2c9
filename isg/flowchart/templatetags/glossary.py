"""Link the glossary's terms of art where the flowchart's texts use them: `{{ text|glossary_links:flowchart }}`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Markup already in a safe text is kept as it is, and nothing inside one of its links is linked again.
_TAG = re.compile(r"(<[^>]*>)")
_LINK_OPENS = re.compile(r"<a[\s>]", re.IGNORECASE)
_LINK_CLOSES = re.compile(r"</a\s*>", re.IGNORECASE)
# A hyphen counts as part of a word, so "harm" is not linked inside "self-harm".
_WORD = r"[\w-]"


@lru_cache(maxsize=16)
def _matcher(names: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern for every term and alias, longest first, so "public interest" wins over "interest"."""
    if not names:
        return None
    ids = {_key(name): term_id for name, term_id in names}
    ordered = sorted(ids, key=len, reverse=True)
    words = (r"\s+".join(re.escape(word) for word in name.split()) for name in ordered)
    pattern = re.compile(rf"(?<!{_WORD})(?:{'|'.join(words)})(?!{_WORD})", re.IGNORECASE)
    return pattern, ids


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


def _names(glossary: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, term.id) for term in glossary for name in (term.term, *term.aliases) if name.strip()
    )


def _link_text(text: str, pattern: re.Pattern[str], ids: dict[str, str], linked: set[str], url: str) -> str:
    """Escape plain `text`, linking the first use of each term not yet linked in `linked`."""
    parts, start = [], 0
    for found in pattern.finditer(text):
        term_id = ids.get(_key(found.group()))
        if term_id is None or term_id in linked:
            continue
        linked.add(term_id)
        parts.append(escape(text[start:found.start()]))
        parts.append(format_html('<a class="govuk-link" href="{}#{}">{}</a>', url, term_id, found.group()))
        start = found.end()
    parts.append(escape(text[start:]))
    return "".join(parts)


@register.filter
def glossary_links(value: Any, flowchart: Any) -> SafeString:
    """The text, escaped, with the first use of each glossary term (or one of its aliases) linked
    to its entry on the glossary page.

    Matches whole words, ignoring case; one link per term however often it appears. A text that
    is already safe HTML keeps its markup, and nothing inside an existing link is linked again.
    """
    matcher = _matcher(_names(getattr(flowchart, "glossary", ())))
    escaped = conditional_escape(value)
    if matcher is None:
        return escaped
    pattern, ids = matcher
    url, linked, in_link, out = reverse("flowchart:glossary"), set(), False, []
    for piece in _TAG.split(str(escaped)):
        if piece.startswith("<"):
            in_link = bool(_LINK_OPENS.match(piece)) or (in_link and not _LINK_CLOSES.match(piece))
            out.append(piece)
        elif in_link or not piece:
            out.append(piece)
        else:
            out.append(_link_text(html.unescape(piece), pattern, ids, linked, url))
    return mark_safe("".join(out))
