"""Search words kept out of addresses (DP-7): the words stay on the server, the URL holds a token.

The register's filters live in the URL so a filtered view can be reloaded, paged and shared, but
search words are often a child's or a parent's name, and a URL ends up in browser history, proxy
and server logs and the Referer header. So the form sends the words in a POST body; the server
keeps them in the signed-in person's session under a random token and redirects to the register
with `search=<token>` beside the other filters:

    token = remember(request, "harbour")            # after a valid POST of the filter form
    recall(request, token)                          # "harbour"; None if expired, unknown or not yours
    form_data(request, request.GET)                 # the filter as RegisterFilterForm reads it (`q`)
    public_query(request, "agency=north&q=harbour") # "agency=north&search=<token>": for a link

A token is the person's alone (it lives in their session, which ends at sign-out), unguessable
(128 random bits) and short-lived: after MAX_AGE the register says the search has expired and asks
for the words again, rather than silently showing an unsearched list.
"""

from __future__ import annotations

import secrets
import time

from django.http import HttpRequest, QueryDict
from django.utils.crypto import salted_hmac

SEARCH_PARAM = "search"  # the token in the URL
WORDS_PARAM = "q"  # the words: a POST field, and what RegisterFilterForm reads
SESSION_KEY = "isg.register.searches"
MAX_AGE = 60 * 60 * 2  # seconds: long enough to work through a list, short enough to leave no trail
MAX_KEPT = 50  # tokens per session, oldest dropped first: a session cannot grow without bound
DIGEST_SALT = "isg.register.search.audit"


def _kept(request: HttpRequest) -> dict[str, dict]:
    now = time.time()
    kept = request.session.get(SESSION_KEY, {})
    return {token: entry for token, entry in kept.items() if entry.get("expires", 0) > now}


def remember(request: HttpRequest, words: str) -> str:
    """A token for `words` in this person's session; the same words again get the same token."""
    kept = _kept(request)
    expires = time.time() + MAX_AGE
    token = next((known for known, entry in kept.items() if entry["words"] == words), None)
    if token is None:
        token = secrets.token_urlsafe(16)
    kept[token] = {"words": words, "expires": expires}  # searched again: as long-lived as a fresh one
    while len(kept) > MAX_KEPT:
        kept.pop(min(kept, key=lambda known: kept[known]["expires"]))
    request.session[SESSION_KEY] = kept
    return token


def recall(request: HttpRequest, token: str) -> str | None:
    """The words behind `token`, or None if it expired, never existed or is another person's."""
    entry = _kept(request).get(token)
    return entry["words"] if entry else None


def form_data(request: HttpRequest, query: QueryDict) -> tuple[QueryDict, bool]:
    """(the filter as RegisterFilterForm reads it, True if its search token no longer works).

    `search=<token>` becomes `q=<words>`; a `q` in the query itself is dropped, because the only
    words a URL filter can carry are behind a token (the caller redirects a `q` link first).
    """
    data = query.copy()
    data.pop(WORDS_PARAM, None)
    token = data.pop(SEARCH_PARAM, [""])[-1]
    if not token:
        return data, False
    words = recall(request, token)
    if words is None:
        return data, True
    data[WORDS_PARAM] = words
    return data, False


def public_query(request: HttpRequest, query: str) -> str:
    """A filter query string made safe for a URL: its words (`q`) swapped for this person's token."""
    params = QueryDict(query, mutable=True)
    words = params.pop(WORDS_PARAM, [""])[-1].strip()
    if words:
        params[SEARCH_PARAM] = remember(request, words)
    return params.urlencode()


def digest(words: str) -> str:
    """The words as the audit chain keeps them: a keyed hash, so the same search can be matched up
    by someone holding the key, but a list of names cannot be hashed to find who was searched for."""
    normalised = " ".join(words.lower().split())
    return salted_hmac(DIGEST_SALT, normalised, algorithm="sha256").hexdigest()


def word_count(words: str) -> int:
    return len(words.split())


def posted_filter_query(request: HttpRequest, words: str, url_params: tuple[str, ...]) -> str:
    """The URL query for a valid posted filter form: its URL filters as posted, its words as a token."""
    params = QueryDict(mutable=True)
    for name in url_params:
        values = [value.strip() for value in request.POST.getlist(name) if value.strip()]
        if values:
            params.setlist(name, values)  # a filter of several ticks (agencies, answers) keeps them all
    if words.strip():
        params[SEARCH_PARAM] = remember(request, words.strip())
    return params.urlencode()
