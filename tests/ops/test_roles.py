"""`manage.py db_roles`: the app's role may only add to and read the history; maintenance has its own role.

The PostgreSQL tests create the roles inside the test's transaction (CREATE ROLE is
transactional there), so the rollback at the end removes them, grants and all.
"""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import IntegrityError, ProgrammingError, connection

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.ops import roles
from tests.factories import make_decision
from tests.ops.pg_roles import as_role, role_names, run_sql

HISTORY = ["audit_auditevent", "decisions_amendment", "decisions_decisionevent"]


def db_roles(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("db_roles", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def granted(db):
    """Both roles with their grants, as `manage.py db_roles --apply` leaves them (until the rollback)."""
    names = role_names()
    code, out, _ = db_roles("--apply", "--app-role", names["app_role"], "--maintenance-role", names["maintenance_role"])
    assert (code, out) == (0, f"roles {names['app_role']} and {names['maintenance_role']}: grants applied\n")
    return names


# -- the script, on any database ----------------------------------------------------------------


def test_the_script_gives_the_app_only_insert_and_select_on_the_history():
    code, out, _ = db_roles()
    assert code == 0
    sql = [line for line in out.splitlines() if not line.startswith("--")]
    history = ", ".join(HISTORY)
    assert f"GRANT SELECT, INSERT ON TABLE {history} TO isg_app, isg_maintenance;" in sql
    assert "REVOKE ALL ON TABLE " in out and "FROM isg_app, isg_maintenance;" in out
    # The only UPDATE on the history is the maintenance role's, of the free-text columns retention blanks.
    on_history = [line for line in sql if line.startswith("GRANT") and any(t in line for t in HISTORY)]
    assert on_history == [
        f"GRANT SELECT, INSERT ON TABLE {history} TO isg_app, isg_maintenance;",
        "GRANT UPDATE (reason, text) ON TABLE decisions_amendment TO isg_maintenance;",
        "GRANT UPDATE (payload) ON TABLE decisions_decisionevent TO isg_maintenance;",
    ]
    [ordinary] = [line for line in sql if line.startswith("GRANT SELECT, INSERT, UPDATE, DELETE")]
    assert "decisions_decision," in ordinary and not any(table in ordinary for table in HISTORY)
    assert "TRUNCATE" not in out


def test_the_script_uses_the_role_names_given():
    _, out, _ = db_roles("--app-role", "council_app", "--maintenance-role", "council_retention")
    assert "CREATE ROLE council_app LOGIN" in out and "CREATE ROLE council_retention LOGIN" in out
    assert "isg_app" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app-role", "isg_app; DROP TABLE audit_auditevent"], "use lower-case letters, digits and _"),
        (["--app-role", "Isg"], "use lower-case letters, digits and _"),
        (["--app-role", "isg", "--maintenance-role", "isg"], "the app and maintenance roles must differ"),
    ],
)
def test_role_names_are_refused_unless_plain_and_different(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("db_roles", *args)


@pytest.mark.sqlite_only
@pytest.mark.django_db
def test_on_sqlite_there_are_no_roles_to_apply_or_check():
    for mode in ("--apply", "--check"):
        assert db_roles(mode) == (0, roles.SQLITE_NOTE + "\n", "")
    assert db_roles()[1].startswith(f"-- {roles.SQLITE_NOTE} The script for PostgreSQL:\n")


# -- the maintenance URL ------------------------------------------------------------------------

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "isg", "HOST": "db.internal", "PORT": "5432"}


def test_the_maintenance_url_reaches_the_same_database_as_another_role():
    config = roles.maintenance_config("postgres://isg_maintenance:s3cret@db.internal:5432/isg", POSTGRES)
    assert (config["USER"], config["PASSWORD"], config["NAME"]) == ("isg_maintenance", "s3cret", "isg")


@pytest.mark.parametrize(
    ("url", "default", "message"),
    [
        ("sqlite:////srv/isg/db.sqlite3", POSTGRES, "must be a postgres:// URL"),
        ("postgres://isg_maintenance@db.internal:5432/isg_other", POSTGRES,
         "names database 'isg_other' on db.internal:5432, but the app uses 'isg' on db.internal:5432"),
        ("postgres://isg_maintenance@db.replica:5432/isg", POSTGRES, "must be the same database, as another role"),
        ("postgres://isg_maintenance@db.internal/isg", {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"},
         "DATABASE_URL is not PostgreSQL, so there is no maintenance role"),
    ],
)
def test_a_maintenance_url_for_anything_else_is_refused_in_one_line(url, default, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        roles.maintenance_config(url, default)


# -- PostgreSQL: what each role may do ----------------------------------------------------------

@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_the_app_role_can_record_decisions_but_not_change_or_remove_history(granted, practitioner):
    app = granted["app_role"]
    with as_role(app):
        decision = make_decision(practitioner, "outcome_share_without_consent", submit=True)
        Decision.objects.filter(pk=decision.pk).update(case_reference="CASE-EDITED")  # not history: editable
    events = list(AuditEvent.objects.values_list("seq", "hash"))
    assert events and decision.events.exists()
    run_sql("SET CONSTRAINTS ALL IMMEDIATE")  # this test's deferred foreign keys, checked now
    for table in HISTORY:
        for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}", f"TRUNCATE {table}"):
            with pytest.raises(ProgrammingError, match=f"permission denied for table {table}"), as_role(app):
                run_sql(sql)
    assert list(AuditEvent.objects.values_list("seq", "hash")) == events


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_the_maintenance_role_may_rewrite_only_free_text_and_only_where_the_triggers_allow(granted, practitioner):
    from django.db import models

    from isg.audit import triggers
    from isg.decisions.models import DecisionEvent

    maintenance = granted["maintenance_role"]
    decision = make_decision(practitioner, "outcome_do_not_share", submit=True)
    event = models.QuerySet(DecisionEvent).filter(decision=decision).first()
    rows = models.QuerySet(DecisionEvent).filter(pk=event.pk)
    # The grant lets it name the payload column; the trigger still refuses outside retention's window.
    with pytest.raises(IntegrityError, match="decisions_decisionevent is append-only"), as_role(maintenance):
        rows.update(payload={})
    # Any other column, or DELETE, is refused by the grants, inside the window too.
    with pytest.raises(ProgrammingError, match="permission denied"), as_role(maintenance), triggers.retention_updates(connection):
        rows.update(kind="approved")
    with pytest.raises(ProgrammingError, match="permission denied"), as_role(maintenance):
        run_sql("DELETE FROM decisions_decisionevent")
    with as_role(maintenance), triggers.retention_updates(connection):
        rows.update(payload={"rationale": ""})
    assert DecisionEvent.objects.get(pk=event.pk).payload == {"rationale": ""}


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_applying_again_is_harmless_and_takes_back_a_stray_grant(granted):
    app = granted["app_role"]
    run_sql(f"GRANT UPDATE, TRUNCATE ON audit_auditevent TO {app}")
    run_sql(f"GRANT UPDATE (hash) ON audit_auditevent TO {app}")
    assert db_roles("--check", "--app-role", app)[0] == 1
    db_roles("--apply", "--app-role", app, "--maintenance-role", granted["maintenance_role"])
    code, out, err = db_roles("--check", "--app-role", app, "--maintenance-role", granted["maintenance_role"])
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"ok app role {app}: SELECT and INSERT only on {', '.join(roles.HISTORY)}; reads and writes the other tables",
        f"ok maintenance role {granted['maintenance_role']}: SELECT and INSERT only on {', '.join(roles.HISTORY)}, "
        "and UPDATE of decisions_decisionevent(payload), decisions_amendment(reason, text); reads and writes the other tables",
    ]


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_check_names_what_an_app_role_may_do_too_much_or_too_little(granted):
    app = granted["app_role"]
    run_sql(f"GRANT DELETE ON decisions_decisionevent TO {app}")
    run_sql(f"GRANT UPDATE (payload) ON decisions_decisionevent TO {app}")
    run_sql(f"REVOKE INSERT ON decisions_decision FROM {app}")
    code, out, err = db_roles("--check", "--app-role", app)
    assert code == 1
    assert err.strip() == (
        f"app role {app}: may not INSERT decisions_decision (run manage.py db_roles --apply after migrate); "
        "may DELETE decisions_decisionevent (append-only: SELECT and INSERT only); "
        "may UPDATE decisions_decisionevent(payload)"
    )
    assert "ISG_MAINTENANCE_DATABASE_URL is not set here" in out


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_check_refuses_an_app_connecting_as_a_superuser():
    # The test runner connects as PostgreSQL's superuser, as too many deployments do.
    code, _, err = db_roles("--check")
    assert code == 1
    assert err.strip() == f"app role {connection.settings_dict['USER']}: is a superuser: it can change or remove the history"


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_check_of_a_role_that_was_never_made_says_how_to_make_it():
    code, _, err = db_roles("--check", "--app-role", role_names()["app_role"] + "_never")
    assert code == 1 and err.strip().endswith("does not exist (manage.py db_roles --apply)")
