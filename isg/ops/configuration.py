"""Settings from the environment, as plain functions: settings.py calls them, the system check and
the tests call them again. Nothing here imports Django's settings, so settings.py may import it.

Each parser raises ImproperlyConfigured with a one-line reason; settings.py records that reason in
ISG_CONFIGURATION_ERROR, so `manage.py flowchart ...` still runs and every other command (and the
WSGI/ASGI entry points) refuses with that one line instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PRODUCTION = "production"
# Django's own W009 thresholds (django/core/checks/security/base.py), made an error in production.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
INSECURE_SECRET_PREFIXES = ("django-insecure", "insecure-")
DATABASE_SCHEMES = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql", "pgsql": "postgresql"}
REDIS_SCHEMES = ("redis", "rediss", "unix")
# The audit chain's anchors (isg/audit/anchors.py) are signed with their own key, never the database.
ANCHOR_KEY_MIN_LENGTH = 32
DEVELOPMENT_ANCHOR_KEY = "insecure-development-audit-anchor-key"


def database_config(url: str, default_sqlite_path: Path) -> dict:
    """DATABASES["default"] from DATABASE_URL, parsed by dj-database-url; SQLite in the project when unset.

    Only SQLite and PostgreSQL are supported: the audit chain's triggers exist for those two.
    """
    url = url.strip()
    scheme = urlsplit(url).scheme if url else "sqlite"
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")
    if not url or url.rstrip("/") == "sqlite:":
        # dj-database-url reads a bare "sqlite:///" as ":memory:", which no two processes share.
        url = f"sqlite:///{default_sqlite_path}"
    try:
        config = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read ({exc})") from None
    if DATABASE_SCHEMES[scheme] == "sqlite":
        config.update(
            CONN_MAX_AGE=0,
            # Several app processes write at once: take the write lock up front and wait for it.
            OPTIONS={
                **config.get("OPTIONS", {}),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        )
        for unused in ("USER", "PASSWORD", "HOST", "PORT", "DISABLE_SERVER_SIDE_CURSORS"):
            config.pop(unused, None)
    else:
        if not config.get("NAME"):
            raise ImproperlyConfigured("DATABASE_URL names no database (postgres://user:pass@host:port/NAME)")
        # Keep connections for a minute, and check one before reuse so a restarted server heals.
        config.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
        config["PORT"] = str(config.get("PORT") or "")
    return config


def cache_config(redis_url: str) -> dict:
    """CACHES: Django's own Redis cache when REDIS_URL is set (shared by every server), else local memory."""
    redis_url = redis_url.strip()
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "isg"}}
    scheme = urlsplit(redis_url).scheme
    if scheme not in REDIS_SCHEMES:
        raise ImproperlyConfigured(f"REDIS_URL scheme {scheme!r} is not supported (use redis, rediss or unix)")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "isg",
            # A Redis that has gone away fails a request (and /readyz) in seconds, not minutes.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def session_engine(redis_url: str) -> str:
    """Sessions in Redis backed by the database when Redis is there; the database alone otherwise.

    Not `cached_db` over local memory: each process would keep its own stale copy.
    """
    return "django.contrib.sessions.backends.cached_db" if redis_url.strip() else "django.contrib.sessions.backends.db"


def weak_secret_reason(secret: str) -> str:
    """Why this secret key is not fit for production ("" when it is)."""
    if not secret:
        return "ISG_SECRET_KEY is not set"
    if secret.startswith(INSECURE_SECRET_PREFIXES):
        return "ISG_SECRET_KEY is a development key"
    if len(secret) < SECRET_KEY_MIN_LENGTH or len(set(secret)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"ISG_SECRET_KEY is weak (use at least {SECRET_KEY_MIN_LENGTH} random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        )
    return ""


def anchor_key(value: str, *, debug: bool) -> str:
    """ISG_AUDIT_ANCHOR_KEY, or a fixed development key while debugging ("" otherwise: unset)."""
    return value.strip() or (DEVELOPMENT_ANCHOR_KEY if debug else "")


def anchor_path(value: str, *, debug: bool, databases: dict, base_dir: Path) -> Path | None:
    """ISG_AUDIT_ANCHOR_PATH; while debugging, one file per database in the project folder (None otherwise).

    Per database because anchors belong to one chain: a checkout's SQLite database and a scratch
    PostgreSQL one must not be checked against each other's anchors.
    """
    if value.strip():
        return Path(value.strip())
    if not debug:
        return None
    name = str(databases.get("default", {}).get("NAME") or "default")
    return base_dir / f"audit-anchors-{Path(name).stem or 'default'}.jsonl"


def weak_anchor_key_reason(key: str, secret_key: str) -> str:
    """Why this anchor key is not fit for production ("" when it is)."""
    if not key:
        return "ISG_AUDIT_ANCHOR_KEY is not set"
    if key.startswith(INSECURE_SECRET_PREFIXES):
        return "ISG_AUDIT_ANCHOR_KEY is a development key"
    if len(key) < ANCHOR_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"ISG_AUDIT_ANCHOR_KEY is weak (use at least {ANCHOR_KEY_MIN_LENGTH} random characters)"
    if key == secret_key:
        # One leak would then be two: anyone with the secret key could sign anchors.
        return "ISG_AUDIT_ANCHOR_KEY must differ from ISG_SECRET_KEY"
    return ""


def production_problems(
    *, env: str, debug: bool, secret_key: str, databases: dict, anchor_key: str, anchor_path: Path | None
) -> list[str]:
    """What stops these settings from serving real records (an empty list outside production)."""
    if env != PRODUCTION:
        return []
    problems = []
    if debug:
        problems.append("ISG_DEBUG must be off")
    reason = weak_secret_reason(secret_key)
    if reason:
        problems.append(reason)
    engine = databases.get("default", {}).get("ENGINE", "")
    if engine.endswith("sqlite3"):
        problems.append("DATABASE_URL must be PostgreSQL, not SQLite")
    reason = weak_anchor_key_reason(anchor_key, secret_key)
    if reason:
        problems.append(reason)
    if anchor_path is None:
        problems.append("ISG_AUDIT_ANCHOR_PATH is not set")
    return problems


def production_refusal(problems: list[str]) -> str:
    """The one line manage.py and the WSGI entry point print for these problems."""
    return "ISG_ENV=production refuses to start: " + "; ".join(problems) if problems else ""
