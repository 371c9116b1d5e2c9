"""The app's URLs plus the benchmark's baseline: a signed-in page on the same base template.

Deny by default holds here too: the baseline gets its access row (any signed-in role) from this
module, which only a benchmark's server loads (ISG_ROOT_URLCONF=bench_urls). The app's own table
must not name it, or `manage.py check` would find a row with no URL.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import path

from isg.access.rules import EVERYONE, RULES, page
from isg.urls import urlpatterns as app_urlpatterns

RULES.setdefault("bench-baseline", page(EVERYONE))

BASELINE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Baseline{% endblock %}'
    '{% block content %}<h1 class="govuk-heading-l">Baseline</h1><p class="govuk-body">A constant body.</p>{% endblock %}'
)


def baseline(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return redirect("bench-baseline")
    return HttpResponse(BASELINE.render({}, request))


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *app_urlpatterns]
