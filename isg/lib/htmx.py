"""Progressive enhancement: one URL and one template serve the full page and the htmx fragment."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect, HttpResponseLocation


def wants_fragment(request: HttpRequest) -> bool:
    """True for htmx swaps; False for full loads and htmx history-restore requests."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def see_other(request: HttpRequest, url: str, *, swap_into: str | None = None) -> HttpResponse:
    """Post/redirect/get for both worlds.

    Without JavaScript: a plain redirect. With htmx: swap the next page's fragment into
    `swap_into` (htmx fetches it and pushes the URL), or navigate fully when there is no target.
    """
    if not wants_fragment(request):
        return redirect(url)
    if swap_into:
        return HttpResponseLocation(url, target=f"#{swap_into}", swap="outerHTML")
    return HttpResponseClientRedirect(url)
