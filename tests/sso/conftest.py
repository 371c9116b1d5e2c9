from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_agency

from .flow import configure
from .provider import StandInProvider


@pytest.fixture
def provider():
    stand_in = StandInProvider().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def sso(db, settings, provider):
    """Single sign-on on, against the stand-in, with the agencies the group map names."""
    configure(settings, provider)
    return SimpleNamespace(
        provider=provider,
        north=make_agency(name="North agency", slug="north"),
        south=make_agency(name="South agency", slug="south"),
    )
