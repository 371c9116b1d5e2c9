"""The real URLconf plus one URL that has no access row: it must be refused and flagged."""

from django.http import HttpResponse
from django.urls import path

from isg.urls import handler400, handler403, handler404, handler500  # noqa: F401
from isg.urls import urlpatterns as real


def unlisted(request):
    return HttpResponse("this page forgot its access row")


urlpatterns = [*real, path("unlisted/", unlisted, name="unlisted")]
