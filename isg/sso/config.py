"""Single sign-on's configuration, read from settings at call time (tests override it per test).

`ISG_OIDC_GROUP_MAP` is a JSON object from a provider group to what it gives in ISG:

    {"isg-police-practitioners": {"role": "practitioner", "agency": "police"},
     "isg-police-managers": {"role": "line_manager", "agency": "police"},
     "isg-lscb": {"role": "partnership"}}

`agency` is an Agency's slug. An entry may give a role, an agency or both; a person's role is the
first entry (in the map's order) that they match and that names a role, so list the stronger
roles first. The `admin` role is never given from claims: administrators use a local account
with a second factor, so a compromised provider group cannot open Django's admin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from isg.accounts.models import User

BACKEND_PATH = "isg.sso.backend.OIDCBackend"  # a contract: the second-factor check exempts this backend
GRANTABLE_ROLES = frozenset(User.Role.values) - {User.Role.ADMIN}
# Settings that must all be set for single sign-on to be on (README, "Single sign-on").
REQUIRED = {
    "ISG_OIDC_ISSUER": "ISG_OIDC_ISSUER",
    "OIDC_RP_CLIENT_ID": "ISG_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "ISG_OIDC_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "ISG_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "ISG_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "ISG_OIDC_JWKS_ENDPOINT",
}


def enabled() -> bool:
    return bool(getattr(settings, "ISG_OIDC_ENABLED", False))


def missing_settings() -> list[str]:
    """The environment variables still empty (all of them when single sign-on is simply off)."""
    return [env for name, env in REQUIRED.items() if not getattr(settings, name, "")]


@dataclass(frozen=True)
class GroupRule:
    group: str
    role: str | None
    agency: str | None  # an Agency slug


def group_map(raw: str | None = None) -> list[GroupRule]:
    """The parsed ISG_OIDC_GROUP_MAP, in its order. Raises ImproperlyConfigured saying what is wrong."""
    raw = getattr(settings, "ISG_OIDC_GROUP_MAP", "") if raw is None else raw
    if not raw or not raw.strip():
        return []
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"ISG_OIDC_GROUP_MAP is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured("ISG_OIDC_GROUP_MAP must be a JSON object of group name to {role, agency}")
    rules = []
    for group, entry in data.items():
        if not isinstance(entry, dict) or not entry or set(entry) - {"role", "agency"}:
            raise ImproperlyConfigured(f"ISG_OIDC_GROUP_MAP[{group!r}] must be an object with 'role' and/or 'agency'")
        role, agency = entry.get("role"), entry.get("agency")
        if role is not None and role not in GRANTABLE_ROLES:
            raise ImproperlyConfigured(
                f"ISG_OIDC_GROUP_MAP[{group!r}]: role {role!r} cannot be given by single sign-on "
                f"(one of {', '.join(sorted(GRANTABLE_ROLES))})"
            )
        if agency is not None and (not isinstance(agency, str) or not agency):
            raise ImproperlyConfigured(f"ISG_OIDC_GROUP_MAP[{group!r}]: agency must be an agency's slug")
        rules.append(GroupRule(group=str(group), role=role, agency=agency))
    return rules


def groups_claim() -> str:
    return getattr(settings, "ISG_OIDC_GROUPS_CLAIM", "") or "groups"
