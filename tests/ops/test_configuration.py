"""Settings from the environment: DATABASE_URL and REDIS_URL parsing, and production's refusals."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from isg.ops.checks import production_settings_check
from isg.ops.configuration import (
    anchor_key,
    anchor_path,
    cache_config,
    database_config,
    production_problems,
    production_refusal,
    session_engine,
    weak_anchor_key_reason,
    weak_secret_reason,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = Path("/srv/isg/db.sqlite3")
STRONG = "k7Qp2xZr9LmN4vBc8HdTf6YwJs3GaE5uRi1oKqWn0XyVbMlPzCdSe"  # 53 characters, not a real key
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
ANCHOR_KEY = "Zq8Lw3Nx6Rb1Tf9Hc4Mv7Kd2Jg5Ps0Ya"  # 34 characters, not a real key
ANCHORS = Path("/srv/isg-anchors/anchors.jsonl")
ANCHORED = {"anchor_key": ANCHOR_KEY, "anchor_path": ANCHORS}


# -- DATABASE_URL -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["", "sqlite:///", "sqlite://", "  "])
def test_no_database_url_means_sqlite_in_the_project(url):
    config = database_config(url, DEFAULT)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(DEFAULT)


@pytest.mark.parametrize(("url", "name"), [("sqlite:////var/lib/isg/isg.db", "/var/lib/isg/isg.db"), ("sqlite:///rel.db", "rel.db")])
def test_sqlite_keeps_its_locking_options(url, name):
    config = database_config(url, DEFAULT)
    assert config["NAME"] == name
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] == 20
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert "HOST" not in config


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_urls_with_pooling_and_health_checks(scheme):
    config = database_config(f"{scheme}://isg:p%40ss%2Fword@db.internal:5433/isg_live", DEFAULT)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("isg_live", "isg", "p@ss/word")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "5433")
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_postgres_query_options_reach_the_driver():
    config = database_config("postgres://isg@127.0.0.1/isg?sslmode=verify-full", DEFAULT)
    assert config["OPTIONS"] == {"sslmode": "verify-full"}
    assert config["PORT"] == ""


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://nobody@127.0.0.1/nowhere", "DATABASE_URL scheme 'mysql' is not supported"),
        ("http://example.org/", "DATABASE_URL scheme 'http' is not supported"),
        ("nonsense", "DATABASE_URL scheme '' is not supported"),
        ("postgres://isg@127.0.0.1:5432/", "names no database"),
    ],
)
def test_a_bad_database_url_is_one_line(url, reason):
    with pytest.raises(ImproperlyConfigured) as raised:
        database_config(url, DEFAULT)
    assert reason in str(raised.value) and "\n" not in str(raised.value)


# -- REDIS_URL ----------------------------------------------------------------------------------

def test_without_redis_cache_is_local_memory_and_sessions_the_database():
    assert cache_config("")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert session_engine("") == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize("url", ["redis://cache.internal:6379/1", "rediss://:secret@cache.internal:6380/0", "unix:///run/redis.sock"])
def test_with_redis_cache_and_sessions_are_shared(url):
    cache = cache_config(url)["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == url
    assert cache["OPTIONS"]["socket_timeout"] <= 5
    assert session_engine(url) == "django.contrib.sessions.backends.cached_db"


def test_a_bad_redis_url_is_refused():
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL scheme 'http'"):
        cache_config("http://cache.internal/")


# -- production's refusals ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("", "not set"),
        ("django-insecure-" + STRONG, "development key"),
        ("insecure-local-development-key", "development key"),
        (STRONG[:49], "weak"),
        ("ab" * 40, "weak"),  # long, but four different characters
    ],
)
def test_weak_secrets(secret, reason):
    assert reason in weak_secret_reason(secret)


def test_a_strong_secret_passes():
    assert weak_secret_reason(STRONG) == ""


def test_production_refuses_debug_sqlite_and_a_weak_secret_each():
    assert production_problems(env="production", debug=False, secret_key=STRONG, databases=POSTGRES, **ANCHORED) == []
    assert production_problems(env="production", debug=True, secret_key=STRONG, databases=POSTGRES, **ANCHORED) == [
        "ISG_DEBUG must be off"
    ]
    assert production_problems(env="production", debug=False, secret_key=STRONG, databases=SQLITE, **ANCHORED) == [
        "DATABASE_URL must be PostgreSQL, not SQLite"
    ]
    [problem] = production_problems(env="production", debug=False, secret_key="short", databases=POSTGRES, **ANCHORED)
    assert "ISG_SECRET_KEY is weak" in problem
    assert production_refusal(["a", "b"]) == "ISG_ENV=production refuses to start: a; b"


def test_production_refuses_an_unanchored_audit_chain():
    assert production_problems(
        env="production", debug=False, secret_key=STRONG, databases=POSTGRES, anchor_key="", anchor_path=None
    ) == ["ISG_AUDIT_ANCHOR_KEY is not set", "ISG_AUDIT_ANCHOR_PATH is not set"]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "not set"),
        ("insecure-development-audit-anchor-key", "development key"),
        (ANCHOR_KEY[:31], "weak"),
        (STRONG, "must differ from ISG_SECRET_KEY"),
    ],
)
def test_weak_anchor_keys(key, reason):
    assert reason in weak_anchor_key_reason(key, STRONG)
    assert weak_anchor_key_reason(ANCHOR_KEY, STRONG) == ""


def test_debugging_gets_a_development_anchor_key_and_one_anchor_file_per_database():
    assert anchor_key("", debug=True) == "insecure-development-audit-anchor-key"
    assert anchor_key("", debug=False) == ""
    assert anchor_key(f" {ANCHOR_KEY} ", debug=False) == ANCHOR_KEY
    root = Path("/srv/isg")
    sqlite = {"default": {"NAME": "/srv/isg/db.sqlite3"}}
    assert anchor_path("", debug=True, databases=sqlite, base_dir=root) == root / "audit-anchors-db.jsonl"
    assert anchor_path("", debug=True, databases={"default": {"NAME": "isg_scratch"}}, base_dir=root) == (
        root / "audit-anchors-isg_scratch.jsonl"
    )
    assert anchor_path("", debug=False, databases=sqlite, base_dir=root) is None
    assert anchor_path(str(ANCHORS), debug=True, databases=sqlite, base_dir=root) == ANCHORS


def test_outside_production_nothing_is_refused():
    assert production_problems(
        env="development", debug=True, secret_key="", databases=SQLITE, anchor_key="", anchor_path=None
    ) == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_system_check_applies_the_same_rules_to_the_loaded_settings():
    with override_settings(ISG_ENV="production", DEBUG=False, SECRET_KEY=STRONG, DATABASES=SQLITE):
        errors = production_settings_check()
    assert [e.id for e in errors] == ["isg.ops.E001"]
    assert "SQLite" in errors[0].msg
    with override_settings(ISG_ENV="production", DEBUG=False, SECRET_KEY=STRONG, DATABASES=POSTGRES,
                           ISG_AUDIT_ANCHOR_KEY=""):
        assert [e.msg for e in production_settings_check()] == ["ISG_ENV=production: ISG_AUDIT_ANCHOR_KEY is not set"]
    with override_settings(ISG_ENV="development"):
        assert production_settings_check() == []


# -- as an operator meets them: manage.py and the WSGI entry point -------------------------------

def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ISG_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False,
    )


PRODUCTION = {
    "ISG_ENV": "production", "ISG_SECRET_KEY": STRONG, "DATABASE_URL": "postgres://isg@127.0.0.1:1/isg_never_reached",
    "ISG_AUDIT_ANCHOR_KEY": ANCHOR_KEY, "ISG_AUDIT_ANCHOR_PATH": str(ANCHORS),
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ISG_DEBUG": "1"}, "ISG_DEBUG must be off"),
        ({"DATABASE_URL": "sqlite:////tmp/isg-ops-never.db"}, "DATABASE_URL must be PostgreSQL, not SQLite"),
        ({"ISG_SECRET_KEY": ""}, "ISG_SECRET_KEY is not set"),
        ({"ISG_SECRET_KEY": "too-short-to-be-a-secret"}, "ISG_SECRET_KEY is weak"),
        ({"ISG_SECRET_KEY": "django-insecure-" + STRONG}, "ISG_SECRET_KEY is a development key"),
        ({"ISG_AUDIT_ANCHOR_KEY": ""}, "ISG_AUDIT_ANCHOR_KEY is not set"),
        ({"ISG_AUDIT_ANCHOR_KEY": STRONG}, "ISG_AUDIT_ANCHOR_KEY must differ from ISG_SECRET_KEY"),
        ({"ISG_AUDIT_ANCHOR_PATH": ""}, "ISG_AUDIT_ANCHOR_PATH is not set"),
    ],
)
def test_manage_py_refuses_production_settings_in_one_line(change, reason):
    result = run("manage.py", "migrate", "--check", **{**PRODUCTION, **change})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("manage.py migrate: ISG_ENV=production refuses to start: ") and reason in lines[0]


def test_wsgi_refuses_production_settings():
    result = run("-c", "import isg.wsgi", **{**PRODUCTION, "ISG_DEBUG": "1"})
    assert result.returncode == 1
    assert "ImproperlyConfigured: ISG_ENV=production refuses to start: ISG_DEBUG must be off" in result.stderr


def test_production_settings_pass_check_deploy():
    # `check` never connects to the database, so an address nobody listens on is enough here.
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, ISG_ALLOWED_HOSTS="isg.example.org",
                 REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_flowchart_commands_still_run_under_refused_production_settings():
    result = run("manage.py", "flowchart", "validate", ISG_ENV="production", ISG_DEBUG="1", DATABASE_URL="mysql://x@y/z")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
