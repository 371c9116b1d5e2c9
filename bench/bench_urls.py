"""The app's URLs plus the benchmark's baseline: a signed-in page on the same base template."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import path

from isg.urls import urlpatterns as app_urlpatterns

BASELINE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Baseline{% endblock %}'
    '{% block content %}<h1 class="govuk-heading-l">Baseline</h1><p class="govuk-body">A constant body.</p>{% endblock %}'
)


def baseline(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return redirect("bench-baseline")
    return HttpResponse(BASELINE.render({}, request))


urlpatterns = [path("bench/baseline/", baseline, name="bench-baseline"), *app_urlpatterns]
