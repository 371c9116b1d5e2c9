"""`manage.py check` fails when a URL has no access row, a row names no URL, or a row and its view
disagree about needing a sign-in. The matrix test asserts the same, so neither can drift."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from .rules import RULES, rule_for
from .urlwalk import iter_routes


def problems() -> list[str]:
    out: list[str] = []
    names: set[str] = set()
    for route in iter_routes():
        if not route.name:
            if route.namespace and f"{route.namespace}:*" in RULES:
                continue  # e.g. the admin's own redirects: its namespace row covers them
            out.append(f"URL pattern {route.route!r} has no name, so it can have no access row")
            continue
        names.add(route.name)
        rule = rule_for(route.name)
        if rule is None:
            out.append(f"URL {route.name!r} ({route.route}) has no row in isg/access/rules.py RULES")
            continue
        login_required = getattr(route.callback, "login_required", True)
        if rule.public and login_required:
            out.append(f"URL {route.name!r} is public in RULES but its view requires a sign-in")
        if not rule.public and not login_required:
            out.append(f"URL {route.name!r} is @login_not_required but its RULES row is not public")
    namespaces = {name.split(":", 1)[0] for name in names if ":" in name}
    for key in RULES:
        if key.endswith(":*"):
            if key[:-2] not in namespaces:
                out.append(f"RULES row {key!r} names no URL namespace")
        elif key not in names:
            out.append(f"RULES row {key!r} names no URL in the URLconf")
    return out


@register(Tags.urls, Tags.security)
def every_url_has_an_access_row(app_configs=None, **kwargs) -> list[Error]:
    return [Error(problem, id="isg.access.E001") for problem in problems()]
