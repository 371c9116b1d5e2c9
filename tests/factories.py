"""Test data as plain functions (no factory library)."""

from __future__ import annotations

import itertools

from isg.accounts.models import User
from isg.agencies.models import Agency

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_agency(**kwargs) -> Agency:
    n = next(_counter)
    kwargs.setdefault("name", f"Agency {n}")
    kwargs.setdefault("slug", f"agency-{n}")
    return Agency.objects.create(**kwargs)


def make_user(**kwargs) -> User:
    n = next(_counter)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("role", User.Role.PRACTITIONER)
    if "agency" not in kwargs:
        kwargs["agency"] = make_agency()
    password = kwargs.pop("password", PASSWORD)
    user = User(**kwargs)
    user.set_password(password)
    user.save()
    return user
