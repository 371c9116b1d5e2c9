"""Back to the register with the same filters: the register's last address, kept in the session.

The register remembers the query of the last list its reader saw (filters, page cursor, the
search token: never the words, isg/register/search.py), so a decision opened from it can link
back to that same list, with or without JavaScript. Only the query is kept, and only a query: a
link made from it always points at the register.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.urls import reverse

from . import search

SESSION_KEY = "isg.register.last_query"
MAX_LENGTH = 4000  # a query longer than any the form makes is not kept


def remember(request: HttpRequest, query: QueryDict) -> None:
    params = query.copy()
    params.pop(search.WORDS_PARAM, None)  # words only ever travel as the token
    encoded = params.urlencode()
    if len(encoded) <= MAX_LENGTH and request.session.get(SESSION_KEY) != encoded:
        request.session[SESSION_KEY] = encoded


def register_url(request: HttpRequest) -> str:
    """The register as its reader last saw it (its first page, unfiltered, if never)."""
    query = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    return reverse("register:list") + (f"?{query}" if isinstance(query, str) and query else "")
