"""A decision record as a tagged PDF (PDF/UA-1), rendered by WeasyPrint from an autoescaped template.

    rendered = render_decision_pdf(decision, exported_by=user)
    rendered.pdf      # bytes, checked to be a whole PDF
    rendered.record   # the dict shown, and attached as decision-record.json

WeasyPrint only ever sees the StaticOnlyFetcher (fetcher.py): nothing in a record can make it
read a local file or call out. The flowchart diagram is Graphviz's own PDF of it, placed into the
record after WeasyPrint (diagram.py); where this Graphviz cannot write PDF, its SVG goes inline as
before (about 0.8 s slower); if Graphviz is missing the record says so in words instead.
Rendering writes nothing: the caller records the export once the bytes exist (services.py).

What is the same for every record is made once per process and thread: the parsed stylesheet and
the font configuration (fonts are found and loaded once), and the diagram once per flowchart
version and path. A record then costs its own layout, about 0.3 s here.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from isg.decisions.models import Decision
from isg.flowchart.diagram import DiagramUnavailable, GraphvizMissing, GraphvizTimeout, render_svg
from isg.flowchart.services import flowchart_for

from . import fetcher as fetchers
from .diagram import DiagramSlot, diagram_slot, place
from .fetcher import StaticOnlyFetcher, static_base_url
from .record import ATTACHMENT_NAME, decision_record, record_json

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "records/decision_pdf.html"
STYLESHEET = "css/record-print.css"
DIAGRAM_ID = "isg-record-diagram"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
DECIDED_KINDS = ("approved", "not_approved", "review_agreed", "review_disagreed")  # shown on the first page


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
    html, record, _ = _render_html(decision, exported_by=exported_by, exported_at=exported_at)
    return html, record


def _render_html(
    decision: Decision, *, exported_by, exported_at: datetime | None = None,
) -> tuple[str, dict[str, Any], DiagramSlot | None]:
    """The HTML, the record dict, and the diagram slot to fill once WeasyPrint has written the PDF."""
    flowchart = flowchart_for(decision.flowchart_id)
    record = decision_record(decision, flowchart)
    slot, svg, note = None, "", ""
    try:
        slot = diagram_slot(flowchart, decision.steps)
    except DiagramUnavailable as exc:
        try:
            # Graphviz without its PDF output (no cairo) can still draw the SVG: slower, the same picture.
            svg = render_svg(flowchart, decision.steps, id_prefix=DIAGRAM_ID)
        except DiagramUnavailable:
            note = diagram_unavailable_note(exc)
    exporter_agency = getattr(getattr(exported_by, "agency", None), "name", "")
    html = render_to_string(TEMPLATE, {
        "record": record,
        "marking": protective_marking(),
        "diagram_slot": slot,
        "diagram_svg": svg,
        "diagram_note": note,
        "exported_by": exported_by.display_name,
        "exported_by_agency": exporter_agency,
        "exported_at": timezone.localtime(exported_at or timezone.now()),
        "attachment_name": ATTACHMENT_NAME,
        "reminder": flowchart.reminder,
        "approval_decided": next(
            (e for e in reversed(record["approval_history"]) if e["kind"] in DECIDED_KINDS), None,
        ),
    })
    return html, record, slot


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
        html, record, slot = _render_html(decision, exported_by=exported_by, exported_at=exported_at)
        fetcher = fetcher or StaticOnlyFetcher()
        if slot is not None:
            fetcher.generated.update(slot.generated)
        pdf = write_pdf(html, record_json(record), fetcher=fetcher)
        if slot is not None:
            pdf = place(pdf, slot)
    except Exception as exc:
        logger.exception("PDF record for decision %s could not be rendered", decision.public_id)
        raise RenderFailed(str(exc)) from exc
    if not is_whole_pdf(pdf):
        logger.error("PDF record for decision %s came out incomplete (%d bytes)", decision.public_id, len(pdf or b""))
        raise RenderFailed("the renderer returned an incomplete PDF")
    return RenderedRecord(pdf=pdf, record=record)


def write_pdf(html: str, attachment: bytes, *, fetcher: StaticOnlyFetcher) -> bytes:
    shared = _shared()
    document = HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher)
    with _no_cycle_collection():
        return document.write_pdf(
            pdf_variant=PDF_VARIANT,
            stylesheets=[shared.stylesheet],
            font_config=shared.font_config,
            attachments=[Attachment(
                string=attachment, name=ATTACHMENT_NAME, url_fetcher=fetcher, relationship="Data",
                description="This decision record as JSON (schema isg.decision-record/1)",
            )],
        )


class _Shared(threading.local):
    """Per thread (WeasyPrint's font configuration wraps a Pango font map, not made for sharing
    between threads): the fonts found and loaded, and the stylesheet parsed, once each."""

    font_config: FontConfiguration | None = None
    stylesheet: CSS | None = None
    stylesheet_version: tuple | None = None


_shared_state = _Shared()


def _shared() -> _Shared:
    state = _shared_state
    if state.font_config is None:
        state.font_config = FontConfiguration()
    url = static_base_url() + STYLESHEET
    version = fetchers.static_version(url)  # a changed file (while developing) is parsed again
    if state.stylesheet is None or state.stylesheet_version != version:
        state.stylesheet = CSS(url=url, url_fetcher=fetchers.StaticOnlyFetcher(), font_config=state.font_config)
        state.stylesheet_version = version
    return state


@contextmanager
def _no_cycle_collection():
    """No cyclic garbage collection while WeasyPrint lays a record out: its boxes and styles are
    hundreds of thousands of objects, and the collector's full passes over them (and over Django's)
    cost about a fifth of a render. The cycles made are collected as usual right after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def file_stem(case_reference: str) -> str:
    """A server-made ASCII name for a record's file: the case reference's safe characters only
    (ASVS 5.4.1), at most 60 of them; "record" if none are left."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", case_reference).strip("-")[:60].strip("-")
    return safe or "record"


def is_whole_pdf(pdf: bytes | None) -> bool:
    """Empty or cut-short output must never be served as the record."""
    return bool(pdf) and pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
