"""A decision record as a tagged PDF (PDF/UA-1), rendered by WeasyPrint from an autoescaped template.

    rendered = render_decision_pdf(decision, exported_by=user)
    rendered.pdf      # bytes, checked to be a whole PDF
    rendered.record   # the dict shown, and attached as decision-record.json

WeasyPrint only ever sees the StaticOnlyFetcher (fetcher.py): nothing in a record can make it
read a local file or call out. The flowchart diagram is Graphviz's SVG, inline, scrubbed by
isg.flowchart.diagram; if Graphviz is missing the record says so in words instead.
Rendering writes nothing: the caller records the export once the bytes exist (services.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML, Attachment

from isg.decisions.models import Decision
from isg.flowchart.diagram import DiagramUnavailable, GraphvizMissing, GraphvizTimeout, render_svg
from isg.flowchart.services import flowchart_for

from .fetcher import StaticOnlyFetcher, static_base_url
from .record import ATTACHMENT_NAME, decision_record, record_json

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "records/decision_pdf.html"
DIAGRAM_ID = "isg-record-diagram"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DECIDED_KINDS = ("approved", "not_approved")  # the approver's decision, shown on the first page


class RenderFailed(Exception):
    """The PDF could not be made; nothing was written and nothing should be served."""


@dataclass(frozen=True)
class RenderedRecord:
    pdf: bytes
    record: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def protective_marking() -> str:
    # Not every agency uses the Government Security Classifications (reliability.md DP-8).
    return getattr(settings, "ISG_PROTECTIVE_MARKING", DEFAULT_MARKING)


def render_html(decision: Decision, *, exported_by, exported_at: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """The record's HTML and the record dict it was rendered from."""
    flowchart = flowchart_for(decision.flowchart_id)
    record = decision_record(decision, flowchart)
    try:
        diagram, diagram_note = render_svg(flowchart, decision.steps, id_prefix=DIAGRAM_ID), ""
    except DiagramUnavailable as exc:
        diagram, diagram_note = "", diagram_unavailable_note(exc)
    exporter_agency = getattr(getattr(exported_by, "agency", None), "name", "")
    html = render_to_string(TEMPLATE, {
        "record": record,
        "marking": protective_marking(),
        "diagram_svg": diagram,
        "diagram_note": diagram_note,
        "exported_by": exported_by.display_name,
        "exported_by_agency": exporter_agency,
        "exported_at": timezone.localtime(exported_at or timezone.now()),
        "attachment_name": ATTACHMENT_NAME,
        "reminder": flowchart.reminder,
        "approval_decided": next(
            (e for e in reversed(record["approval_history"]) if e["kind"] in DECIDED_KINDS), None,
        ),
    })
    return html, record


def diagram_unavailable_note(exc: DiagramUnavailable) -> str:
    if isinstance(exc, GraphvizMissing):
        why = "Graphviz, the program that draws it, is not installed on the server that made this PDF"
    elif isinstance(exc, GraphvizTimeout):
        why = "it took too long to draw"
    else:
        why = "it could not be drawn"
    return (f"The flowchart diagram is not included in this copy: {why}. "
            "Every question on this decision's path, with its answer, is listed in this record.")


def render_decision_pdf(
    decision: Decision, *, exported_by, exported_at: datetime | None = None, fetcher: StaticOnlyFetcher | None = None
) -> RenderedRecord:
    """Raises RenderFailed, with the cause chained, for any failure on the way to whole PDF bytes."""
    try:
        html, record = render_html(decision, exported_by=exported_by, exported_at=exported_at)
        pdf = write_pdf(html, record_json(record), fetcher=fetcher or StaticOnlyFetcher())
    except Exception as exc:
        logger.exception("PDF record for decision %s could not be rendered", decision.public_id)
        raise RenderFailed(str(exc)) from exc
    if not is_whole_pdf(pdf):
        logger.error("PDF record for decision %s came out incomplete (%d bytes)", decision.public_id, len(pdf or b""))
        raise RenderFailed("the renderer returned an incomplete PDF")
    return RenderedRecord(pdf=pdf, record=record)


def write_pdf(html: str, attachment: bytes, *, fetcher: StaticOnlyFetcher) -> bytes:
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher)
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        attachments=[Attachment(
            string=attachment, name=ATTACHMENT_NAME, url_fetcher=fetcher, relationship="Data",
            description="This decision record as JSON (schema isg.decision-record/1)",
        )],
    )


def is_whole_pdf(pdf: bytes | None) -> bool:
    """Empty or cut-short output must never be served as the record."""
    return bool(pdf) and pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
