"""End every session of a user: on "sign out everywhere" and when an account is deactivated.

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


def end_all_sessions(user) -> int:
    """Delete every unexpired session signed in as `user`; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        raise ImproperlyConfigured("Ending a user's sessions needs a database-backed SESSION_ENGINE.")
    wanted = str(user.pk)
    ended = 0
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if session.get_decoded().get(SESSION_KEY) == wanted:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
