"""The daily reminder: one email a person listing what is due from them today or overdue, never one
per item, never twice a day, with links to this site (ISG_SITE_URL) and no case details."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from isg.approvals.digest import send_digests
from isg.audit.models import AuditEvent
from isg.followups.models import DigestSent, FollowUp
from tests.approvals.conftest import people, submitted  # noqa: F401  (fixtures)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def decision(people, clock):  # noqa: F811
    """Submitted on Monday 2 March 2026 at 10:00: it waits for the manager, due by 17:00 today."""
    return submitted(people.practitioner)


def task(decision, owner, due_at, kind=FollowUp.Kind.REVIEW):
    return FollowUp.objects.create(decision=decision, kind=kind, owner=owner, due_at=due_at, created_by=owner,
                                   description="Ring Sam Lead at the school")


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_one_email_lists_everything_due_today_or_overdue_and_nothing_later(people, decision, clock, settings):  # noqa: F811
    settings.ISG_SITE_URL = "http://127.0.0.1:8101"
    task(decision, people.practitioner, datetime.datetime(2026, 2, 27, 17, 0, tzinfo=datetime.UTC))  # overdue
    task(decision, people.practitioner, datetime.datetime(2026, 3, 2, 17, 0, tzinfo=datetime.UTC),
         kind=FollowUp.Kind.ACTION)  # today
    task(decision, people.practitioner, datetime.datetime(2026, 3, 3, 9, 0, tzinfo=datetime.UTC))  # tomorrow
    mail.outbox.clear()
    summary = send_digests()
    [message] = mails_to("pat@example.org")
    assert summary.sent == 2  # the practitioner, and the manager (an approval due today)
    body = message.body
    assert "To do (2):" in body
    assert "- Review the decision: overdue, was due Friday 27 February 2026, 17:00" in body
    assert "- Follow-up action: due Monday 2 March 2026, 17:00" in body
    assert "3 March" not in body and "1 January 2099" not in body
    assert "http://127.0.0.1:8101/to-do/" in body
    # Nothing about the case: no reference, no summary, no task text.
    assert decision.case_reference not in body and "Sam Lead" not in body and "bruising" not in body


def test_a_manager_hears_of_approvals_due_today(people, decision, settings):  # noqa: F811
    settings.ISG_SITE_URL = "https://isg.example.org"
    mail.outbox.clear()
    send_digests()
    [message] = mails_to("manager@example.org")
    assert "Approvals: 1 waiting for you is due today or overdue." in message.body
    assert "https://isg.example.org/approvals/" in message.body
    assert "To do" not in message.body.split("Approvals:")[0].split("\n", 1)[1]


def test_nobody_with_nothing_due_gets_mail(people, clock):  # noqa: F811
    make_user(username="idle", email="idle@example.org")
    assert send_digests().sent == 0
    assert mail.outbox == []


def test_not_twice_the_same_day_but_again_the_next(people, decision, clock):  # noqa: F811
    task(decision, people.practitioner, datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC))
    mail.outbox.clear()
    send_digests()
    clock.advance(hours=3)
    again = send_digests()
    assert again.sent == 0 and again.already == 2
    assert len(mails_to("pat@example.org")) == 1
    assert DigestSent.objects.filter(user=people.practitioner).count() == 1
    clock.advance(days=1)
    send_digests()
    assert len(mails_to("pat@example.org")) == 2


def test_each_send_is_on_the_audit_chain_with_counts_only(people, decision, clock):  # noqa: F811
    task(decision, people.practitioner, datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC))
    send_digests()
    event = AuditEvent.objects.get(action="digest_sent", subject_id=str(people.practitioner.pk))
    assert event.subject_type == "user" and event.actor is None
    assert event.payload == {"day": "2026-03-02", "tasks": 1, "approvals": 0}


def test_a_failed_send_is_tried_again_next_run(people, decision, clock, monkeypatch):  # noqa: F811
    task(decision, people.practitioner, datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC))
    import isg.approvals.digest as digest

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(digest, "send_mail", refuse)
    with pytest.raises(OSError):
        send_digests()
    assert not DigestSent.objects.exists()
    monkeypatch.undo()
    mail.outbox.clear()
    send_digests()
    assert len(mails_to("pat@example.org")) == 1


def test_completed_tasks_and_people_switched_off_get_nothing(people, decision, clock):  # noqa: F811
    done = task(decision, people.practitioner, datetime.datetime(2026, 3, 1, 17, 0, tzinfo=datetime.UTC))
    FollowUp.objects.filter(pk=done.pk).update(completed_at=clock.now, completed_by=people.practitioner)
    people.manager.is_active = False
    people.manager.save()
    mail.outbox.clear()
    assert send_digests().sent == 0


def test_the_command_sends_them(people, decision, clock, capsys):  # noqa: F811
    mail.outbox.clear()
    call_command("followups", "digest")
    assert "1 reminder sent" in capsys.readouterr().out
    assert len(mails_to("manager@example.org")) == 1


def test_make_run_points_email_links_at_its_own_port():
    out = subprocess.run(["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"}, timeout=60).stdout
    assert 'ISG_SITE_URL="${ISG_SITE_URL:-http://127.0.0.1:8101}"' in out
    worker = next(line for line in out.splitlines() if "db_worker" in line)
    assert out.index("export ISG_SITE_URL") < out.index(worker)
