"""`records:pdf`: download one decision's PDF record."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from isg.access.services import decision_for

from . import services
from .pdf import RenderFailed, file_stem


@require_GET
def decision_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # 404 for anyone who may not see it, so an id reveals nothing (isg/access).
    decision = decision_for(request, public_id, "export")
    if decision.is_draft or decision.is_superseded:
        return render(request, "records/pdf_unavailable.html", {"decision": decision}, status=409)
    try:
        rendered = services.export_pdf(decision, request.user)
    except RenderFailed:
        return render(request, "records/pdf_failed.html", {"decision": decision}, status=503)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{download_name(decision.case_reference)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_name(case_reference: str) -> str:
    """A server-made ASCII filename: the case reference's safe characters only (ASVS 5.4.1)."""
    return f"decision-{file_stem(case_reference)}.pdf"
