"""The housekeeping schedule: what is due on the clock, each slot run once however often asked,
every job really run, and each run on the audit chain with counts only."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from isg.approvals.digest import SUBJECT
from isg.audit.models import AuditEvent
from isg.housekeeping import jobs as job_functions
from isg.housekeeping.models import Run
from isg.housekeeping.schedule import JOBS, Job, job_named
from isg.housekeeping.services import claim, due, run_due

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


DIGEST = job_named("send_digests")
ESCALATE = job_named("escalate_overdue_approvals")


def test_a_daily_job_is_due_from_its_uk_time_winter_and_summer():
    assert DIGEST.slot(at(2026, 3, 2, 6, 59)) == at(2026, 3, 1, 7, 0)  # before 07:00 GMT: yesterday's
    assert DIGEST.slot(at(2026, 3, 2, 7, 0)) == at(2026, 3, 2, 7, 0)
    assert DIGEST.slot(at(2026, 7, 1, 6, 30)) == at(2026, 7, 1, 6, 0)  # 07:30 BST: today's 07:00 BST
    assert DIGEST.slot(at(2026, 7, 1, 5, 59)) == at(2026, 6, 30, 6, 0)


def test_an_every_n_minutes_job_is_due_on_the_last_step():
    assert ESCALATE.slot(at(2026, 3, 2, 10, 7, 30)) == at(2026, 3, 2, 10, 5)
    assert ESCALATE.slot(at(2026, 3, 2, 0, 0)) == at(2026, 3, 2, 0, 0)


def test_a_schedule_that_makes_no_sense_is_refused():
    with pytest.raises(ValueError):
        Job("x", "m:f")
    with pytest.raises(ValueError):
        Job("x", "m:f", every_minutes=7)


@pytest.fixture
def stubs(monkeypatch):
    """Every job's function replaced by one that notes it was called (and with which time)."""
    called: list[tuple[str, datetime.datetime]] = []
    for job in JOBS:
        name = job.target.split(":")[1]

        def stub(now, name=name):
            called.append((name, now))
            return {"things": 3}

        monkeypatch.setattr(job_functions, name, stub)
    return called


def test_what_is_due_follows_the_clock(stubs, clock):
    now = clock.now  # Monday 2 March 2026, 10:00 UTC
    assert {job.name for job, _ in due(now)} == {job.name for job in JOBS}  # nothing has run yet
    run_due(now)
    assert due(now) == []
    assert [job.name for job, _ in due(now + datetime.timedelta(minutes=4))] == []
    assert [job.name for job, _ in due(now + datetime.timedelta(minutes=5))] == ["escalate_overdue_approvals"]
    assert {job.name for job, _ in due(now + datetime.timedelta(minutes=15))} == {
        "escalate_overdue_approvals", "purge_expired_exports"}
    tomorrow_7 = at(2026, 3, 3, 7, 0)
    assert "send_digests" in {job.name for job, _ in due(tomorrow_7)}
    assert "send_digests" not in {job.name for job, _ in due(tomorrow_7 - datetime.timedelta(minutes=1))}


def test_a_slot_runs_once_even_if_asked_twice(stubs, clock):
    first = run_due(clock.now)
    second = run_due(clock.now)
    assert len(first) == len(JOBS) and second == []
    assert len(stubs) == len(JOBS)
    # A second worker that saw the slot as due a moment before loses the claim and runs nothing.
    assert claim(DIGEST, DIGEST.slot(clock.now), clock.now) is None
    assert Run.objects.filter(job="send_digests").count() == 1


def test_every_job_is_called_with_the_runs_time(stubs, clock):
    run_due(clock.now)
    assert sorted(name for name, _ in stubs) == sorted(job.target.split(":")[1] for job in JOBS)
    assert {now for _, now in stubs} == {clock.now}


def test_each_run_is_on_the_audit_chain_with_counts_only(stubs, clock):
    run_due(clock.now)
    run = Run.objects.get(job="send_digests")
    assert (run.outcome, run.counts, run.slot) == ("done", {"things": 3}, at(2026, 3, 2, 7, 0))
    started = AuditEvent.objects.get(action="housekeeping_started", subject_id="send_digests")
    finished = AuditEvent.objects.get(action="housekeeping_finished", subject_id="send_digests")
    assert started.subject_type == "housekeeping" and started.actor is None
    assert started.payload == {"run": run.pk, "slot": "2026-03-02T07:00:00+00:00"}
    assert finished.payload == {"run": run.pk, "slot": "2026-03-02T07:00:00+00:00", "counts": {"things": 3}}
    assert started.seq < finished.seq


def test_a_failing_job_is_recorded_and_the_others_still_run(stubs, clock, monkeypatch):
    def broken(now):
        raise RuntimeError("Pat Practitioner's decision CASE-001 broke it")

    monkeypatch.setattr(job_functions, "retention_apply", broken)
    runs = run_due(clock.now)
    assert len(runs) == len(JOBS)
    failed = Run.objects.get(job="retention_apply")
    assert (failed.outcome, failed.error) == ("failed", "RuntimeError")
    event = AuditEvent.objects.get(action="housekeeping_failed")
    assert event.payload["error"] == "RuntimeError" and "CASE-001" not in str(event.payload)
    assert Run.objects.filter(outcome="done").count() == len(JOBS) - 1
    assert run_due(clock.now) == []  # not retried in the same slot


def test_the_real_jobs_all_run(clock, settings, tmp_path):
    """No stubs: every job's own app does its work (here there is little to do), and says how much."""
    settings.ISG_AUDIT_ANCHOR_PATH = tmp_path / "anchors.jsonl"
    settings.ISG_EXPORT_DIR = tmp_path
    runs = {run.job: run for run in run_due(clock.now)}
    assert {name: run.outcome for name, run in runs.items()} == {job.name: "done" for job in JOBS}
    assert runs["send_digests"].counts == {"sent": 0, "already": 0, "no_address": 0}
    assert runs["escalate_overdue_approvals"].counts == {"escalated": 0}
    assert runs["audit_anchor"].counts["events"] >= 1
    assert (tmp_path / "anchors.jsonl").read_text().count("\n") == 1


def test_the_reminder_goes_out_from_the_schedule(clock):
    from tests.approvals.conftest import make_people, submitted

    people = make_people()
    submitted(people.practitioner)  # waits for the manager, due by 17:00 today
    mail.outbox.clear()
    run_due(at(2026, 3, 3, 7, 1))  # the next morning: overdue
    # Escalation ran first (it is earlier in the schedule): the overdue approval went up to the
    # manager's manager, with a new deadline today, and their one reminder lists it.
    [reminder] = [m for m in mail.outbox if m.subject == SUBJECT]
    assert reminder.to == ["boss@example.org"]
    assert "Approvals: 1 waiting for you is due today or overdue." in reminder.body


def test_old_sign_in_records_are_removed_and_recent_ones_kept(clock):
    from axes.models import AccessAttempt, AccessFailureLog

    def attempt(model, when, username):
        row = model.objects.create(username=username, ip_address="192.0.2.1", user_agent="t", **(
            {"failures_since_start": 1} if model is AccessAttempt else {}))
        model.objects.filter(pk=row.pk).update(attempt_time=when)

    attempt(AccessAttempt, clock.now - datetime.timedelta(hours=1), "old")  # past the 15-minute cool-off
    attempt(AccessAttempt, clock.now - datetime.timedelta(minutes=5), "recent")  # still counts
    attempt(AccessFailureLog, clock.now - datetime.timedelta(days=91), "old")
    attempt(AccessFailureLog, clock.now - datetime.timedelta(days=89), "recent")
    counts = job_functions.sign_in_log_cleanup(clock.now)
    assert counts == {"attempts": 1, "failure_logs": 1, "access_logs": 0}
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["recent"]


def test_the_command_runs_what_is_due_once(stubs, clock, capsys):
    call_command("housekeeping", "run-due")
    assert f"{len(JOBS)} jobs run" in capsys.readouterr().out
    call_command("housekeeping", "run-due")
    assert "0 jobs run" in capsys.readouterr().out
    call_command("housekeeping", "schedule")
    assert "send_digests: daily at 07:00 UK time" in capsys.readouterr().out


def test_the_worker_thread_runs_what_is_due_and_stops_when_told(settings, monkeypatch):
    from isg.housekeeping import worker

    settings.ISG_HOUSEKEEPING_SECONDS = 0
    assert worker.start() is None  # turned off
    thread = worker.HousekeepingThread()
    calls = []

    def once():
        calls.append(1)
        thread.stop()
        return 0

    monkeypatch.setattr(worker, "run_due_safely", once)
    thread.run()  # in this thread: runs once, then sees it was told to stop
    assert calls == [1]


def test_a_database_error_does_not_stop_the_worker(monkeypatch, caplog):
    from django.db import OperationalError

    from isg.housekeeping import services, worker

    def down(*args, **kwargs):
        raise OperationalError("down")

    monkeypatch.setattr(services, "run_due", down)
    assert worker.run_due_safely() == 0
    assert "housekeeping not run: OperationalError" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_keeps_the_schedule_but_a_batch_run_does_not(settings, monkeypatch):
    from unittest import mock

    from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

    from isg.housekeeping import worker
    from isg.ops.heartbeat import HeartbeatThread

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    thread = mock.Mock()
    with mock.patch.object(worker, "start", return_value=thread) as start, \
            mock.patch.object(DatabaseWorkerCommand, "handle", return_value=None), \
            mock.patch.object(HeartbeatThread, "start"), mock.patch.object(HeartbeatThread, "stop"):
        call_command("db_worker", "--no-reload", "--no-startup-delay", verbosity=0)
        start.assert_called_once()
        thread.stop.assert_called_once()  # it stops with the worker
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
        start.assert_called_once()  # not again: a batch run drains the queue and stops
