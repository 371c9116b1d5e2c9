"""`manage.py check`: single sign-on is either fully configured or off, and its group map is sound."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from . import config


@register("isg_sso")
def sso_configuration(app_configs=None, **kwargs) -> list[Error]:
    missing = config.missing_settings()
    if len(missing) == len(config.REQUIRED) and not config.enabled():
        return []  # off: nothing set, nothing to check
    problems = []
    if missing:
        problems.append(Error(f"Single sign-on is partly configured: set {', '.join(missing)} (or none of them)",
                              id="isg.sso.E001"))
    try:
        rules = config.group_map()
    except ImproperlyConfigured as exc:
        problems.append(Error(str(exc), id="isg.sso.E002"))
    else:
        if not rules:
            problems.append(Error("Single sign-on needs ISG_OIDC_GROUP_MAP: with none, nobody could sign in",
                                  id="isg.sso.E003"))
    if getattr(settings, "ISG_ENV", "") == "production":
        addresses = {**config.REQUIRED, "OIDC_OP_USER_ENDPOINT": "ISG_OIDC_USERINFO_ENDPOINT"}
        del addresses["OIDC_RP_CLIENT_ID"], addresses["OIDC_RP_CLIENT_SECRET"]
        plain = [env for name, env in addresses.items()
                 if (getattr(settings, name, "") or "https://").split(":", 1)[0] != "https"]
        if plain:
            problems.append(Error(f"Single sign-on in production needs https:// addresses: {', '.join(plain)}",
                                  id="isg.sso.E004"))
    return problems
