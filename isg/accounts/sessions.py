"""End every session of a user: on "sign out everywhere" and when an account is deactivated; or every
session but the current one, after a new authenticator app is set up.

Nothing new is stored: the live sessions are read and those that belong to the user are deleted
through the session engine (so a cached_db cache is cleared too). Sessions are short (8 hours) and
there are few users, so reading them all is cheap.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


def end_all_sessions(user, *, keep: str | None = None) -> int:
    """Delete every unexpired session signed in as `user`, but the one whose key is `keep`; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        raise ImproperlyConfigured("Ending a user's sessions needs a database-backed SESSION_ENGINE.")
    wanted = str(user.pk)
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if session.session_key != keep and session.get_decoded().get(SESSION_KEY) == wanted:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def end_other_sessions(request) -> int:
    """Delete every other session of the signed-in user, keeping this one (ASVS 7.4.3)."""
    if not request.session.session_key:
        request.session.save()
    return end_all_sessions(request.user, keep=request.session.session_key)
