from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .services import current_library


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    return render(request, "casestudies/library.html", {"library": current_library()})
