"""Deny by default, tell htmx to navigate to sign-in, and keep signed-in pages out of caches."""

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from .htmx import wants_fragment


class HtmxAwareLoginRequiredMiddleware(LoginRequiredMiddleware):
    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        response = super().handle_no_permission(request, view_func)
        if wants_fragment(request) and response.status_code == 302:
            return HttpResponseClientRedirect(response["Location"])
        return response


class NoStoreWhenSignedInMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user (records must not linger
    in browser or proxy caches, ASVS 14.3.2). Error pages pass through it too. Static files keep
    their own caching: WhiteNoise answers them before this runs. Place it after
    AuthenticationMiddleware.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
            patch_vary_headers(response, ("Cookie",))
        return response
