"""Exports of the register's current filter, and the page that follows a background export.

`exports:csv` / `exports:zip`: GET shows what would be exported (a page that works as a link);
POST (the register's buttons) exports: a CSV at or under its limit comes straight back; a larger
CSV, and every ZIP of PDF records, is a job for the worker, and the browser goes to `exports:job`
(its progress, then the download; the worker also emails the requester a link). Jobs are their
requester's alone: anyone else gets 404, so a job id reveals nothing.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from isg.lib.htmx import wants_fragment
from isg.register import search as register_search
from isg.register.services import audit_search, register_decisions  # the register's one rule for who sees what

from . import services
from .models import ExportJob

READ_METHODS = ["GET", "HEAD"]
COUNT_SHOWN = 10_000  # a job's start page counts this far ("More than 10000 decisions match")
KINDS = {
    "csv": {"title": "Export decisions as CSV", "button": "Export as CSV", "noun": "CSV file"},
    "zip": {"title": "Download PDF records as a ZIP", "button": "Download PDFs as ZIP", "noun": "ZIP file of PDF records"},
}


@require_http_methods(["GET", "POST"])
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_http_methods(["GET", "POST"])
def export_zip(request: HttpRequest) -> HttpResponse:
    return _export(request, "zip")


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    if request.method == "GET" and request.GET.get(register_search.WORDS_PARAM, "").strip():
        # Search words in an address: keep them on the server and show the same page without them.
        query = register_search.public_query(request, request.GET.urlencode())
        return redirect(reverse(f"exports:{kind}") + f"?{query}")
    given = request.POST.get("filter", "") if request.method == "POST" else request.GET.urlencode()
    # The register's filter carries its search words as a token of this person's (isg/register/search.py):
    # `query` holds the words themselves (a job keeps them for the worker); pages and links get the token.
    data, search_expired = register_search.form_data(request, QueryDict(given))
    if request.method == "POST" and not search_expired and (words := QueryDict(given).get("q", "")):
        data[register_search.WORDS_PARAM] = words  # words in a POST body (never in a URL) still count
    query = services.clean_query(data.urlencode())
    in_request = kind in services.IN_REQUEST_KINDS
    context = {"kind": kind, "labels": KINDS[kind], "query": register_search.public_query(request, query),
               "limit": services.limit_for(kind) if in_request else COUNT_SHOWN,
               "expiry_hours": settings.ISG_EXPORT_EXPIRY_HOURS}
    try:
        wanted = services.parse_filter(query, search_expired=search_expired)
    except services.BadFilter as bad:
        context["form"] = bad.form
        return render(request, "exports/bad_filter.html", context, status=400)
    decisions = register_decisions(request.user, wanted)
    count = services.count_upto(decisions, context["limit"])
    context.update({"wanted": wanted, "count": min(count, context["limit"]), "over": count > context["limit"],
                    "background": not in_request or count > context["limit"]})
    if request.method == "GET":
        audit_search(request.user, wanted, where=f"export_{kind}", count=context["count"], more=context["over"])
        return render(request, "exports/start.html", context)
    if context["background"]:
        job = services.start_job(request.user, kind, query)
        return redirect("exports:job", job_id=job.public_id)
    response = StreamingHttpResponse(
        services.csv_download(request.user, query, decisions), content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{services.file_name(kind)}"'
    return _private(response)


@vary_on_headers("HX-Request")
def job(request: HttpRequest, job_id: UUID) -> HttpResponse:
    export = _job(request, job_id)
    if request.method not in READ_METHODS:
        return HttpResponseNotAllowed(READ_METHODS)
    template = "exports/job.html#progress" if wants_fragment(request) else "exports/job.html"
    return render(request, template, _job_context(request, export))


def download(request: HttpRequest, job_id: UUID) -> HttpResponse:
    export = _job(request, job_id)
    if request.method not in READ_METHODS:
        return HttpResponseNotAllowed(READ_METHODS)
    context = _job_context(request, export)
    if context["expired"]:
        return render(request, "exports/job.html", context, status=410)
    path = export.path
    if export.status != ExportJob.Status.DONE or path is None or not path.is_file():
        return render(request, "exports/job.html", context, status=409 if not export.is_finished else 410)
    name = services.file_name(export.kind, export.created_at)
    handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type="text/csv; charset=utf-8" if export.kind == "csv" else "application/zip")
    return _private(response)


def _job(request: HttpRequest, job_id: UUID) -> ExportJob:
    """The requester's job, asked before anything else (the method too): 404 tells nobody it exists."""
    export = services.job_for(request.user, job_id)
    if export is None:
        raise Http404("No such export.")
    return export


def _job_context(request: HttpRequest, export: ExportJob) -> dict:
    form = services.filter_form(export.query)
    parts = form.register_filter().parts if form.is_valid() else {}
    return {
        "job": export, "labels": KINDS[export.kind], "parts": parts, "expired": services.is_expired(export),
        "emailed": bool(request.user.email),
        "job_url": reverse("exports:job", args=[export.public_id]),
        # Back to the register with this filter: the job keeps the words, a link only a token.
        "register_query": register_search.public_query(request, export.query),
    }


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
