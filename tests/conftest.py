import os

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.middleware.csrf import get_random_string
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from tests.factories import make_user

# Playwright's sync API runs an event loop in the main thread; Django's async guard would
# otherwise stop the live-server database flush at teardown.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgresql_only` tests (pg_dump, two servers) are deselected on SQLite at collection, and
    `sqlite_only` ones on PostgreSQL: reported as deselected, never skipped or passed. CI runs both."""
    other = "sqlite_only" if on_postgresql() else "postgresql_only"
    dropped = [item for item in items if item.get_closest_marker(other)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser fixtures, on Debian's Chromium (Playwright cannot download its own here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def practitioner(db):
    return make_user(username="pat", first_name="Pat", last_name="Practitioner")


@pytest.fixture
def signed_in(client, practitioner):
    client.force_login(practitioner)
    return client


@receiver(user_logged_in, dispatch_uid="tests-second-factor-force-login")
def _verified_by_the_test_app(sender, request, user, **kwargs):
    """A user made with an authenticator app (tests.factories.give_totp_device puts it on
    `user.otp_device`) is signed in as verified by `force_login`, as a correct code would leave the
    session: force_login skips the password, and this skips the code alike. django-otp's own hook
    does the same only when the request has a user, which force_login's stand-in request has not."""
    device = getattr(user, "otp_device", None)
    if device is not None and device.user_id == user.pk and getattr(request, "session", None) is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


class BrowserLikeClient(Client):
    """Django's test client with CSRF checks enforced, sending the site's token as a browser's form would.

    Every form post in the suite therefore passes through CsrfViewMiddleware as in production; a
    test that means to omit or forge the token builds its own `Client(enforce_csrf_checks=True)`.
    """

    def __init__(self, **defaults):
        super().__init__(enforce_csrf_checks=True, **defaults)

    def request(self, **request):
        if request.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS", "TRACE") and "HTTP_X_CSRFTOKEN" not in request:
            cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
            if cookie is None or not cookie.value:
                # What the browser would hold after loading any page with a form.
                self.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)
                cookie = self.cookies[settings.CSRF_COOKIE_NAME]
            request["HTTP_X_CSRFTOKEN"] = cookie.value
        return super().request(**request)

    def force_login(self, user, backend=None):
        """Signs in as verified for a user with an authenticator app (the second factor), as a correct
        code would: force_login skips the password, and this skips the code alike. A user fetched
        afresh has no `otp_device` (tests.factories.give_totp_device sets it): it is looked up here."""
        if not hasattr(user, "otp_device"):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            user.otp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        super().force_login(user, backend)


@pytest.fixture
def client():
    """Every test's client enforces CSRF (issue 9: tests post with CSRF enforced for every form)."""
    return BrowserLikeClient()


class Clock:
    """The test clock: `timezone.now()` answers what the test sets. Time only moves when told to."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def set(self, moment) -> None:
        self.now = moment

    def advance(self, **delta) -> None:
        import datetime

        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Monday 2 March 2026, 10:00 in London (GMT): a working day, in working hours."""
    import datetime

    from django.utils import timezone

    clock = Clock(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC))
    monkeypatch.setattr(timezone, "now", clock)
    return clock
