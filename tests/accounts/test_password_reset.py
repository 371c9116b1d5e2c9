"""Reset links: sent by the task worker, limited per account and per client address, and the page
says the same thing whatever happened."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone

from isg.accounts.models import PasswordResetRequest
from isg.accounts.tasks import send_password_reset
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.accounts.helpers import csrf_client, post
from tests.factories import make_user

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"


def ask(email: str, ip: str = "10.0.0.1", client=None, **extra):
    return post(client or csrf_client(), RESET, {"email": email}, REMOTE_ADDR=ip, **extra)


def page_text(response) -> str:
    """The page without what differs on every load (the CSP nonce, the CSRF token)."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def same_answer(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"


@pytest.fixture
def pat():
    return make_user(username="pat", email="pat@example.org")


@pytest.fixture
def queued_only(settings):
    """Tasks are queued and not run, as with the real worker: nothing is sent in the request."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    yield backend
    backend.clear()


def test_the_link_is_sent_by_the_task_worker_not_in_the_request(pat, queued_only, mailoutbox):
    assert same_answer(ask("pat@example.org"))
    assert mailoutbox == []  # nothing sent inside the request
    (queued,) = queued_only.results
    assert queued.task.name == send_password_reset.name and queued.args == [pat.pk]  # no address, no token
    send_password_reset.call(*queued.args)  # what the worker does
    (mail,) = mailoutbox
    assert mail.to == ["pat@example.org"]
    assert re.search(r"https?://[^/\s]+/accounts/password/reset/\S+/\S+/", mail.body)
    (sent,) = AuditEvent.objects.filter(action="password_reset_sent")
    assert sent.subject_id == str(pat.pk) and sent.payload == {"ip": "10.0.0.1"}


def test_known_and_unknown_addresses_get_the_same_answer(pat, mailoutbox):
    known, unknown = csrf_client(), csrf_client()
    a, b = ask("pat@example.org", client=known), ask("nobody@example.org", client=unknown)
    assert same_answer(a) and same_answer(b)
    assert page_text(known.get(a["Location"])) == page_text(unknown.get(b["Location"]))
    assert len(mailoutbox) == 1


def test_an_account_gets_at_most_three_links_an_hour(pat, mailoutbox, caplog):
    for n in range(3):
        assert same_answer(ask("pat@example.org", ip=f"10.0.0.{n + 1}"))
    assert len(mailoutbox) == 3
    with caplog.at_level(logging.WARNING, logger="isg.accounts.password_reset"):
        for n in range(4):
            assert same_answer(ask("pat@example.org", ip=f"10.0.1.{n + 1}"))  # the same page ...
    assert len(mailoutbox) == 3  # ... and nothing sent
    assert "too many links for user" in caplog.text and "pat@example.org" not in caplog.text
    (throttled,) = AuditEvent.objects.filter(action="password_reset_throttled")  # audited once, not per try
    assert throttled.subject_type == "user" and throttled.subject_id == str(pat.pk)
    assert throttled.payload == {"reason": "account", "ip": "10.0.1.1"}
    # An hour later, the person can have a link again.
    PasswordResetRequest.objects.update(at=timezone.now() - timedelta(minutes=61))
    assert same_answer(ask("pat@example.org"))
    assert len(mailoutbox) == 4
    assert verify_chain().ok


def test_one_client_address_may_ask_ten_times_an_hour_whatever_it_asks_about(pat, mailoutbox, caplog):
    for n in range(10):
        assert same_answer(ask(f"someone{n}@example.org", ip="203.0.113.9"))
    with caplog.at_level(logging.WARNING, logger="isg.accounts.password_reset"):
        assert same_answer(ask("pat@example.org", ip="203.0.113.9"))
        assert same_answer(ask("pat@example.org", ip="203.0.113.9"))
    assert mailoutbox == []
    assert "too many requests from one client address" in caplog.text
    (throttled,) = AuditEvent.objects.filter(action="password_reset_throttled")
    assert throttled.subject_type == "client" and throttled.payload == {"reason": "address", "ip": "203.0.113.9"}
    # Another address is not affected.
    assert same_answer(ask("pat@example.org", ip="198.51.100.1"))
    assert len(mailoutbox) == 1


def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_saw(pat, settings, mailoutbox):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = "10.1.1.1"
    for n in range(10):
        ask(f"someone{n}@example.org", ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    # Forged left-hand entries change nothing: the proxy's entry is the client.
    ask("pat@example.org", ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9")
    assert mailoutbox == []
    ask("pat@example.org", ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert len(mailoutbox) == 1
    assert set(PasswordResetRequest.objects.values_list("ip", flat=True)) == {"203.0.113.9", "203.0.113.10"}


def test_no_link_for_an_account_without_a_password_of_its_own(mailoutbox):
    invited = make_user(username="invited", email="new@example.org")
    invited.set_unusable_password()
    invited.save()
    make_user(username="gone", email="gone@example.org", is_active=False)
    assert same_answer(ask("new@example.org")) and same_answer(ask("gone@example.org"))
    assert mailoutbox == []


def test_the_typed_address_is_not_kept(pat):
    ask("nobody@example.org")
    ask("pat@example.org")
    stored = str(list(PasswordResetRequest.objects.values()))
    assert "nobody@example.org" not in stored and "pat@example.org" not in stored


def test_old_requests_are_forgotten_after_a_day(pat):
    ask("pat@example.org")
    PasswordResetRequest.objects.update(at=timezone.now() - timedelta(days=2))
    ask("nobody@example.org")
    assert PasswordResetRequest.objects.count() == 1
