"""Error views that cannot fail: they never read the request body (not even for a CSRF token).

Django's default 400, 403 and 500 views are `requires_csrf_token`, which parses the form again; a
body that broke the first parse (an unusable charset, too many fields) breaks the error view too,
and the client gets a bare 500 without the security headers. These views read only what is
already known, and fall back to fixed HTML if a template cannot be rendered. The response still
passes back through the middleware, so CSP, X-Frame-Options and the cache headers are added.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

log = logging.getLogger(__name__)

FALLBACK = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title} – Information Sharing Guide</title>'
    "</head><body><main><h1>{title}</h1><p>{body}</p></main></body></html>"
)
PAGES = {
    400: ("400.html", "Something was wrong with that request", "Nothing was changed. Go back and try again."),
    403: ("403.html", "You cannot do that", "Your role does not allow this."),
    404: ("404.html", "Page not found", "If you typed the web address, check it is correct."),
    500: ("500.html", "Sorry, there is a problem with the service",
          "Your saved answers are safe. Try again later. If someone is in danger now, call 999."),
}


def _fallback(status: int) -> HttpResponse:
    _, title, body = PAGES[status]
    return HttpResponse(FALLBACK.format(title=title, body=body), status=status)


def _page(request: HttpRequest, status: int, context: dict | None = None) -> HttpResponse:
    template = PAGES[status][0]
    try:
        return render(request, template, context or {}, status=status)
    except Exception:
        log.exception("The %s page could not be rendered; sending the plain one", status)
        return _fallback(status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Views raise PermissionDenied with a sentence written for the person reading the page.
    message = str(exception) if exception is not None and exception.args else ""
    return _page(request, 403, {"exception": message})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Something already failed: no context processors, no session, no database.
    try:
        return HttpResponse(loader.get_template(PAGES[500][0]).render(), status=500)
    except Exception:
        log.exception("The 500 page could not be rendered; sending the plain one")
        return _fallback(500)
