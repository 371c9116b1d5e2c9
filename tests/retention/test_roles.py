"""On PostgreSQL retention rewrites history as the maintenance role; the app's own role cannot.

PostgreSQL only: SQLite has no roles (its triggers are tested in test_apply.py). The first tests
switch role inside the test's transaction (SET ROLE), with roles made in it too; the last connects
through ISG_MAINTENANCE_DATABASE_URL as `retention apply` does in production, so its roles and
data are committed, and removed again at the end.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError
from django.db import connection

from isg.audit.services import verify_chain
from isg.decisions import history
from isg.decisions.models import Decision
from tests.ops.pg_roles import apply_roles, as_role, drop_roles, give_password, role_names, url_for

from .conftest import CANARY, everything_about, snapshot
from .test_apply import run

pytestmark = pytest.mark.postgresql_only


def assert_anonymised(cases) -> None:
    for decision in (cases.approved_old, cases.not_shared_old):
        assert Decision.objects.get(pk=decision.pk).case_reference == f"RETAINED-{decision.public_id.hex[:8]}"
        assert CANARY not in everything_about(decision)
    assert CANARY in everything_about(cases.consent_recent)  # not due
    assert verify_chain().ok and history.verify_events().ok


@pytest.mark.django_db
def test_retention_runs_under_the_maintenance_role(cases):
    names = apply_roles()
    with as_role(names["maintenance_role"]):
        output = run()
    assert "anonymised 2 decisions (" in output
    assert_anonymised(cases)


@pytest.mark.django_db
def test_retention_as_the_app_role_is_refused_with_what_to_set_and_changes_nothing(cases):
    names = apply_roles()
    before = snapshot()
    with pytest.raises(CommandError) as refused, as_role(names["app_role"]):
        run()
    assert str(refused.value) == (
        f"the database role {names['app_role']} may not rewrite the history (permission denied for table "
        "decisions_decisionevent): run retention as the maintenance role, ISG_MAINTENANCE_DATABASE_URL "
        "(manage.py db_roles; README, \"Database roles\")"
    )
    assert snapshot() == before


@pytest.fixture
def committed_roles(transactional_db):
    names = role_names()
    drop_roles(names)  # left behind by a run that died
    apply_roles()
    passwords = {role: give_password(role) for role in names.values()}
    yield {key: url_for(role, passwords[role]) for key, role in names.items()}
    drop_roles(names)


@pytest.mark.django_db(transaction=True)
def test_retention_apply_connects_through_the_maintenance_url(cases, committed_roles, settings):
    # Pointed at the app's role, the same command is refused: it really connects through the URL
    # (the test's own connection, PostgreSQL's superuser, could rewrite anything).
    settings.ISG_MAINTENANCE_DATABASE_URL = committed_roles["app_role"]
    with pytest.raises(CommandError, match=f"the database role {role_names()['app_role']} may not rewrite the history"):
        run()
    assert CANARY in everything_about(cases.approved_old)

    settings.ISG_MAINTENANCE_DATABASE_URL = committed_roles["maintenance_role"]
    assert "anonymised 2 decisions (" in run()
    assert connection.settings_dict["USER"] != role_names()["maintenance_role"]  # swapped back afterwards
    assert_anonymised(cases)
