"""A request id for every request, and one log line when it ends.

Outermost middleware, so every later line (and the error pages) carries the id. The id comes from
the proxy's `X-Request-ID` only when ISG_BEHIND_PROXY says a proxy we trust sets it, and only when
it is well formed; otherwise a fresh one. Either way it goes back in the response header.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .logging import current_request_id

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# Letters, digits and - _ . :, 8 to 64 long: a UUID, a hex string, nginx's $request_id, AWS's trace id.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

logger = logging.getLogger("isg.request")

# URL parts that are secrets: a password-reset link's token opens the account to whoever holds it
# until it is used, and the request log is read by more people than the account's owner.
SECRET_URL_KWARGS = ("token",)


def incoming_request_id(request: HttpRequest) -> str | None:
    if not getattr(settings, "ISG_BEHIND_PROXY", False):
        return None
    value = request.META.get(META_KEY, "")
    return value if WELL_FORMED.fullmatch(value) else None


def logged_path(request: HttpRequest) -> str:
    """The request's path, any secret URL part replaced by its name in brackets."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name in SECRET_URL_KWARGS:
        value = str((match.kwargs if match else {}).get(name) or "")
        if value:
            path = path.replace(value, f"[{name}]")
    return path


class RequestIdMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request_id
            return response
        finally:
            # The path only: the query string may hold search terms, and the body is never logged.
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": logged_path(request),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            current_request_id.reset(token)
