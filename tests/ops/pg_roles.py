"""Helpers for the PostgreSQL role tests (tests/ops/test_roles.py, tests/retention/test_roles.py).

Roles belong to the whole server, not one database, and other test runs share the server: the
roles here are named after this run's test database, so two runs never touch each other's.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from urllib.parse import quote

from django.db import connection, transaction


def role_names() -> dict[str, str]:
    base = connection.settings_dict["NAME"].lower()[:40]
    return {"app_role": f"{base}_app", "maintenance_role": f"{base}_maint"}


def run_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def as_role(role: str):
    """Run the block as `role` (SET ROLE) in a savepoint: an error rolls the switch back with it."""
    with transaction.atomic():
        run_sql(f"SET ROLE {role}")
        yield
        run_sql("RESET ROLE")


def drop_roles(names: dict[str, str]) -> None:
    """Remove the roles and every grant they hold here (a committed test's, or one left by a run that died)."""
    for role in names.values():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                cursor.execute(f"DROP OWNED BY {role}")
                cursor.execute(f"DROP ROLE {role}")


def give_password(role: str) -> str:
    """A fresh password, so the role can sign in whatever the server's authentication rules."""
    password = secrets.token_urlsafe(24)
    run_sql(f"ALTER ROLE {role} PASSWORD '{password}'")
    return password


def url_for(role: str, password: str) -> str:
    """This test database, reached as `role`."""
    settings = connection.settings_dict
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{role}:{quote(password, safe='')}@{settings['HOST'] or '127.0.0.1'}{port}/{settings['NAME']}"


def apply_roles() -> dict[str, str]:
    """This run's two roles with their grants, as `manage.py db_roles --apply` makes them."""
    from isg.ops import roles

    names = role_names()
    assert roles.apply(connection, **names) == []  # every table is migrated: none left without grants
    return names
