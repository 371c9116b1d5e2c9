"""Sign-in throttling (issue 9, "Sign-in lockout"): by account and address together, the address
from the proxy only when configured, and a per-account slow-down across all addresses."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db.models import F
from django.test import RequestFactory

from isg.accounts import lockout
from tests.accounts.helpers import csrf_client, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def signed_in_as(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username: str, times: int = 1, **extra):
    """Wrong passwords; the fifth from one address is itself answered with the pause page."""
    statuses = [sign_in(client, username, "wrong-password", **extra).status_code for _ in range(times)]
    assert all(status in (200, 429) for status in statuses), statuses
    return statuses


# --- One account from one address -----------------------------------------------------------

def test_five_failures_pause_that_username_from_that_address_even_with_the_right_password():
    make_user(username="pat")
    client = csrf_client()
    assert fail(client, "pat", 5) == [200, 200, 200, 200, 429]
    response = sign_in(client, "pat")
    assert response.status_code == 429 and not signed_in_as(client)
    page = response.content.decode()
    assert "Too many attempts to sign in" in page
    assert "Try again after" in page
    # What happened, truthfully: this username from here, not "the account is paused".
    assert "from this network" in page and "paused for this account" not in page


def test_the_pause_page_gives_the_time_the_pause_ends():
    make_user(username="pat")
    client = csrf_client()
    fail(client, "pat", 5)
    latest = AccessAttempt.objects.get(username="pat").attempt_time
    page = sign_in(client, "pat").content.decode()
    assert lockout.retry_time(latest + timedelta(minutes=15)) in page


def test_attempts_during_the_pause_do_not_extend_it():
    make_user(username="pat")
    client = csrf_client()
    fail(client, "pat", 5)
    before = AccessAttempt.objects.get(username="pat")
    for _ in range(3):
        assert sign_in(client, "pat", "wrong-password").status_code == 429
    after = AccessAttempt.objects.get(username="pat")
    assert (after.attempt_time, after.failures_since_start) == (before.attempt_time, before.failures_since_start)


def test_the_pause_ends_after_the_cool_off():
    make_user(username="pat")
    client = csrf_client()
    fail(client, "pat", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert sign_in(client, "pat").status_code == 302 and signed_in_as(client)


# --- Case 1: one client behind a proxy cannot lock everyone out ------------------------------

def test_behind_a_proxy_one_client_cannot_lock_out_other_people(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1  # ISG_BEHIND_PROXY=1
    make_user(username="pat")
    make_user(username="sam")
    attacker = csrf_client()
    fail(attacker, "pat", 5, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert sign_in(attacker, "pat", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429

    # Pat, through the same proxy from her own address, signs in.
    pat = csrf_client()
    assert sign_in(pat, "pat", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    # Sam, behind the attacker's own address (one NAT), is not locked out either.
    sam = csrf_client()
    assert sign_in(sam, "sam", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 302


def test_behind_a_proxy_a_forged_forwarded_address_does_not_escape_the_pause(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    make_user(username="pat")
    attacker = csrf_client()
    for n in range(5):  # the proxy appends the real address after whatever the client sent
        fail(attacker, "pat", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.66")
    response = sign_in(attacker, "pat", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.66")
    assert response.status_code == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.AXES_IPWARE_PROXY_COUNT = None  # ISG_BEHIND_PROXY unset
    make_user(username="pat")
    attacker = csrf_client()
    for n in range(5):
        fail(attacker, "pat", REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = sign_in(attacker, "pat", REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


@pytest.mark.parametrize("proxies, forwarded, expected", [
    (None, "198.51.100.7", "10.0.0.2"),
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
    (2, "1.2.3.4, 198.51.100.7, 10.1.1.1", "198.51.100.7"),
    (1, "2001:db8::1", "2001:db8::1"),
    (1, "not-an-address", "10.0.0.2"),
    (1, "", "10.0.0.2"),
    (2, "198.51.100.7", "10.0.0.2"),
])
def test_the_client_address(settings, proxies, forwarded, expected):
    settings.AXES_IPWARE_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert lockout.client_ip(request) == expected


# --- Case 2: one account guessed from many addresses is slowed -------------------------------

def test_one_account_guessed_from_many_addresses_is_slowed():
    make_user(username="pat")
    client = csrf_client()
    for n in range(lockout.ACCOUNT_FREE_FAILURES):
        fail(client, "pat", REMOTE_ADDR=f"203.0.113.{n + 1}")
    # From yet another address, even the right password is not tried now.
    response = sign_in(client, "pat", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429 and not signed_in_as(client)
    page = response.content.decode()
    assert "too many unsuccessful attempts to sign in with this username" in page
    assert "Try again after" in page
    # The slowed attempt was not tried, so it does not count against the real user.
    assert AccessFailureLog.objects.filter(username="pat").count() == lockout.ACCOUNT_FREE_FAILURES

    # Once the short wait has passed, the real user gets in.
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - lockout.ACCOUNT_FIRST_DELAY - timedelta(seconds=1))
    assert sign_in(client, "pat", REMOTE_ADDR="198.51.100.7").status_code == 302 and signed_in_as(client)


def test_the_wait_grows_with_each_failure_but_never_beyond_the_limit():
    assert lockout.account_delay(lockout.ACCOUNT_FREE_FAILURES - 1) == timedelta(0)
    delays = [lockout.account_delay(lockout.ACCOUNT_FREE_FAILURES + n) for n in range(12)]
    assert delays[0] == lockout.ACCOUNT_FIRST_DELAY
    assert all(a < b for a, b in zip(delays[:5], delays[1:6], strict=True))
    assert max(delays) == lockout.ACCOUNT_MAX_DELAY == delays[-1]


def test_other_accounts_are_not_slowed():
    make_user(username="pat")
    make_user(username="sam")
    client = csrf_client()
    for n in range(lockout.ACCOUNT_FREE_FAILURES + 2):
        AccessFailureLog.objects.create(username="pat", ip_address=f"203.0.113.{n + 1}", user_agent="x",
                                        http_accept="x", path_info="/accounts/login/")
    assert sign_in(client, "sam").status_code == 302


def test_the_admin_sign_in_is_slowed_too():
    make_user(username="boss", is_staff=True)
    for n in range(lockout.ACCOUNT_FREE_FAILURES):
        AccessFailureLog.objects.create(username="boss", ip_address=f"203.0.113.{n + 1}", user_agent="x",
                                        http_accept="x", path_info="/admin/login/")
    client = csrf_client()
    page = client.post("/admin/login/", {"username": "boss", "password": "x" * 12,
                                         "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert "too many attempts to sign in with this username" in page.content.decode()
    assert not signed_in_as(client)


# --- Case 3: a success between guesses does not reset the count ------------------------------

def test_an_insider_signing_in_between_guesses_does_not_reset_the_count():
    make_user(username="pat")
    make_user(username="ian")
    insider = csrf_client()
    assert fail(insider, "pat", 4) == [200] * 4
    assert sign_in(insider, "ian").status_code == 302  # the insider's own account
    post_logout = insider.post("/accounts/logout/", {"csrfmiddlewaretoken": insider.cookies["csrftoken"].value})
    assert post_logout.status_code == 302
    # The fifth guess at pat's password, from the same address, is the last one allowed.
    assert fail(insider, "pat", 1) == [429]
    assert sign_in(insider, "pat").status_code == 429


def test_the_real_users_success_does_not_reset_the_per_account_count():
    make_user(username="pat")
    attacker, pat = csrf_client(), csrf_client()
    for n in range(lockout.ACCOUNT_FREE_FAILURES - 1):
        fail(attacker, "pat", REMOTE_ADDR=f"203.0.113.{n + 1}")
    assert sign_in(pat, "pat", REMOTE_ADDR="198.51.100.7").status_code == 302
    fail(attacker, "pat", REMOTE_ADDR="203.0.113.200")
    assert sign_in(attacker, "pat", "another-guess", REMOTE_ADDR="203.0.113.201").status_code == 429


# --- Limits that agree with the columns ------------------------------------------------------

def test_a_username_longer_than_any_account_is_refused_with_a_message():
    client = csrf_client()
    response = sign_in(client, "u" * 256, "wrong-password")
    assert response.status_code == 200
    assert "Username must be 150 characters or fewer" in response.content.decode()


@pytest.mark.parametrize("length", [151, 255, 256, 1000])
def test_long_usernames_on_the_admin_sign_in_are_recorded_cut_to_fit(length):
    # The admin's form uses Django's username check, which never limits the length; the attempt
    # log must still fit its column (this was a 500 on PostgreSQL).
    client = csrf_client()
    response = client.post("/admin/login/", {"username": "u" * length, "password": "wrong-password",
                                             "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert "150 characters or fewer" in response.content.decode()


@pytest.mark.parametrize("length", [255, 256, 1000])
def test_axes_records_long_usernames_cut_to_its_column(length):
    from django.contrib.auth import authenticate

    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="u" * length, password="wrong-password") is None
    recorded = AccessAttempt.objects.get()
    assert recorded.username == "u" * lockout.USERNAME_COLUMN_LENGTH
    assert AccessFailureLog.objects.get().username == recorded.username
