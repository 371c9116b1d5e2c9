import os

import pytest

from tests.factories import make_user

# Playwright's sync API runs an event loop in the main thread; Django's async guard would
# otherwise stop the live-server database flush at teardown.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


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
