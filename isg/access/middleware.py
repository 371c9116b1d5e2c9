"""Deny by default, from one table (isg/access/rules.py).

Runs after the login middleware, so an anonymous visitor is still sent to sign in first. Then:
- a resolved URL whose name has no row: 404, and an error in the log (a developer forgot a row);
- a signed-in user whose role the row does not name: 403 on a page, 404 on a record URL;
- a record URL: `decision_for(user, public_id, action)` must find the decision, else 404.
The views ask `decision_for` again: two locks, so a view that forgets cannot leak.
"""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from .rules import rule_for
from .services import decision_for

logger = logging.getLogger("isg.access")


class AccessRulesMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        name = match.view_name if match is not None else None
        rule = rule_for(name)
        if rule is None:
            logger.error("access: URL %r (%s) has no row in RULES; refused with 404", name, request.path)
            raise Http404("No such page.")
        request.access_rule = rule
        if rule.public:
            return None
        user = request.user
        if not (user.is_authenticated and user.is_active):
            # Only reached by a view marked @login_not_required without a public row (the system
            # check reports it): refuse as the login middleware would.
            return redirect_to_login(request.get_full_path())
        if not rule.allows_role(user):
            logger.info("access: %s (%s) refused %r", user.pk, user.role, name)
            if rule.record:
                raise Http404("No such record.")
            raise PermissionDenied("Your role does not give access to this page.")
        if rule.record == "decision":
            public_id = view_kwargs.get("public_id")
            if public_id is None:
                logger.error("access: record URL %r has no public_id; refused with 404", name)
                raise Http404("No such record.")
            request.access_decision = decision_for(user, public_id, rule.action)
        return None
