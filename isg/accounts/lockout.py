"""Sign-in throttling: what django-axes is told, and the per-account slow-down axes lacks.

Two limits work together (reliability.md AU-3, ASVS 6.1.1 and 6.3.1, NCSC password guidance):

1. Axes locks a username *from one address* after `AXES_FAILURE_LIMIT` failures, for
   `AXES_COOLOFF_TIME` (`AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]`). One client, or
   everyone behind one proxy or NAT, can no longer lock other people out; and a success does not
   reset the count (`AXES_RESET_ON_SUCCESS = False`), so an insider cannot sign in as themselves
   between guesses to start again.
2. `account_retry_at` slows one username guessed *from many addresses*: after
   `ACCOUNT_FREE_FAILURES` failures within `ACCOUNT_WINDOW`, from anywhere, each further attempt
   must wait a delay that doubles with every failure, up to `ACCOUNT_MAX_DELAY`. It never locks
   for longer than that, so the real user is only ever delayed. It counts axes' failure log
   (`AXES_ENABLE_ACCESS_FAILURE_LOG`), which no success clears, and stores nothing of its own.
   Attempts it turns away never reach the password check and are not counted, so an attacker
   cannot keep an account paused for ever by trying faster.

The client address is the connection's unless the app is behind a trusted reverse proxy
(`ISG_BEHIND_PROXY`): then it is the address that proxy saw, the `AXES_IPWARE_PROXY_COUNT`-th
entry from the right of X-Forwarded-For (entries further left are whatever the client sent).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

ACCOUNT_WINDOW = timedelta(hours=24)
ACCOUNT_FREE_FAILURES = 10
ACCOUNT_FIRST_DELAY = timedelta(seconds=30)
ACCOUNT_MAX_DELAY = timedelta(minutes=15)

# Axes' own columns: a longer username would not fit in its records (a 500 on PostgreSQL).
USERNAME_COLUMN_LENGTH = AccessAttempt._meta.get_field("username").max_length


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """`AXES_CLIENT_IP_CALLABLE`: the client's address, trusting X-Forwarded-For only behind a proxy."""
    direct = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if not proxies:
        return direct
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return direct
    return _valid_ip(hops[-proxies]) or direct


def username_for_axes(request: HttpRequest, credentials: dict | None) -> str | None:
    """`AXES_USERNAME_CALLABLE`: the username tried, cut to fit axes' columns."""
    if credentials:
        value = credentials.get("username")
    else:
        try:
            value = request.POST.get("username")
        except Exception:  # an unreadable body has no username in it
            value = None
    if not isinstance(value, str):
        return value
    return value[:USERNAME_COLUMN_LENGTH]


def account_delay(failures: int) -> timedelta:
    """How long after the latest failure the next attempt must wait, given the failures in the window."""
    if failures < ACCOUNT_FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - ACCOUNT_FREE_FAILURES, 20)
    return min(ACCOUNT_FIRST_DELAY * 2**doublings, ACCOUNT_MAX_DELAY)


def account_retry_at(username: str, *, now: datetime | None = None) -> datetime | None:
    """When this username may next be tried, from any address; None if it may be tried now."""
    if not settings.AXES_ENABLED or not username:
        return None
    now = now or timezone.now()
    recent = AccessFailureLog.objects.filter(
        username=username[:USERNAME_COLUMN_LENGTH], attempt_time__gte=now - ACCOUNT_WINDOW
    )
    failures = recent.count()
    delay = account_delay(failures)
    if not delay:
        return None
    retry_at = recent.aggregate(latest=Max("attempt_time"))["latest"] + delay
    return retry_at if retry_at > now else None


def retry_time(when: datetime) -> str:
    """“10:45” today, or “10:45 on 1 December”, in local time."""
    local = timezone.localtime(when)
    text = local.strftime("%H:%M")
    if local.date() != timezone.localdate():
        text += f" on {local.day} {local.strftime('%B')}"
    return text


def locked_out_page(request: HttpRequest, retry_at: datetime, *, from_here: bool) -> HttpResponse:
    return render(request, "accounts/locked_out.html", {"retry_after": retry_time(retry_at), "from_here": from_here},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: say what happened and when to try again (axes' lock is per username
    and address, so the page must not say the account is paused)."""
    username = username_for_axes(request, credentials)
    cool_off = get_cool_off(request) or timedelta(0)
    latest = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(latest=Max("attempt_time"))["latest"]
    return locked_out_page(request, (latest or timezone.now()) + cool_off, from_here=True)
