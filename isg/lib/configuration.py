"""Refuse to serve requests without the configuration that settings.py could only note."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_configuration() -> None:
    """Raise with the one-line reason settings.py recorded (a missing secret, a bad DATABASE_URL)."""
    problem = getattr(settings, "ISG_CONFIGURATION_ERROR", "")
    if problem:
        raise ImproperlyConfigured(problem)
