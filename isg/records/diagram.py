"""The record's flowchart diagram: Graphviz's own PDF of it, placed into the record after WeasyPrint.

WeasyPrint draws an inline SVG by laying out every letter of every label on its own: the diagram's
6,000-odd letters cost about 0.8 s of each record's 1.2 s. The diagram depends only on the flowchart
version and the path, so it is drawn once per (flowchart sha256, path) by Graphviz as a one-page
PDF (isg.flowchart.diagram.render_pdf, cached there), and each record only places it:

1. the template shows an `<img>` slot of the diagram's size with its alternative text: WeasyPrint
   lays it out and tags it as a /Figure with /Alt, like any image. The slot's picture is a tiny
   marker PNG served by the record's fetcher (`generated`), so nothing outside it is fetched;
2. `place()` swaps the marker image for Graphviz's page as a Form XObject (pikepdf), drawn in the
   same box inside the same marked content, so the tags, the attachment and the metadata stay.

The result is the same drawing, as vectors with its labels as text and its fonts embedded.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

import pikepdf
from PIL import Image

from isg.engine import Flowchart
from isg.engine.diagram import diagram_description, diagram_title, step_pair
from isg.flowchart.diagram import CACHE_SIZE, render_pdf

from .fetcher import static_base_url

# The box the diagram may take on its own page: the text width of A4 with the record's margins,
# and the height left under the section's heading and its paragraph.
MAX_WIDTH_MM = 174.0
MAX_HEIGHT_MM = 212.0
MM_PER_PT = 25.4 / 72
# A picture no record holds otherwise: three pixels of near-black, told apart by size and bytes.
MARKER_SIZE = (3, 1)
MARKER_PIXELS = bytes([1, 2, 3, 4, 5, 6, 7, 8, 9])
SLOT_NAME = "isg-generated/record-diagram-slot.png"


class SlotMissing(Exception):
    """WeasyPrint's PDF has no diagram slot to fill: the record would lack its diagram."""


def _marker_png() -> bytes:
    image = Image.frombytes("RGB", MARKER_SIZE, MARKER_PIXELS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


MARKER_PNG = _marker_png()


@dataclass(frozen=True)
class DiagramSlot:
    """What the template needs for the slot, and the PDF that fills it."""

    pdf: bytes
    width_pt: float
    height_pt: float
    alt: str

    @property
    def url(self) -> str:
        return static_base_url() + SLOT_NAME

    @property
    def generated(self) -> dict[str, tuple[bytes, str]]:
        """For the record's fetcher: the slot's marker picture at its URL."""
        return {self.url: (MARKER_PNG, "image/png")}

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height on the page: as large as fits the box, in proportion."""
        width, height = self.width_pt * MM_PER_PT, self.height_pt * MM_PER_PT
        scale = min(MAX_WIDTH_MM / width, MAX_HEIGHT_MM / height)
        return round(width * scale, 2), round(height * scale, 2)

    @property
    def style(self) -> str:
        width, height = self.size_mm
        return f"width: {width}mm; height: {height}mm"


def diagram_slot(flowchart: Flowchart, steps) -> DiagramSlot:
    """The diagram of `steps` on `flowchart`, ready to place. Raises DiagramUnavailable."""
    path = tuple(step_pair(step) for step in steps)
    pdf = render_pdf(flowchart, path)  # asked every time: it is cached there, and may now be unavailable
    width, height = _page_size(pdf)
    return DiagramSlot(pdf=pdf, width_pt=width, height_pt=height, alt=_alt(flowchart, path))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _page_size(pdf: bytes) -> tuple[float, float]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        box = [float(value) for value in document.pages[0].mediabox]
    return box[2] - box[0], box[3] - box[1]


# The words are the same for every record on a path (outlining the flowchart takes a few ms): kept
# by the flowchart's sha256, which changes with any change to the file, and the path.
_alts: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], str] = OrderedDict()
_alts_lock = threading.Lock()


def _alt(flowchart: Flowchart, path: tuple[tuple[str, str], ...]) -> str:
    key = (flowchart.sha256, path)
    with _alts_lock:
        if key in _alts:
            _alts.move_to_end(key)
            return _alts[key]
    alt = f"{diagram_title(flowchart)}. {diagram_description(flowchart, path)}"
    with _alts_lock:
        _alts[key] = alt
        while len(_alts) > CACHE_SIZE:
            _alts.popitem(last=False)
    return alt


def place(record_pdf: bytes, slot: DiagramSlot) -> bytes:
    """`record_pdf` with the slot's marker picture replaced by the diagram. Raises SlotMissing."""
    with pikepdf.open(io.BytesIO(record_pdf)) as document, pikepdf.open(io.BytesIO(slot.pdf)) as drawing:
        form = document.copy_foreign(drawing.pages[0].as_form_xobject())
        # An image is drawn into the unit square; the form's own box is scaled onto it.
        form.Matrix = pikepdf.Array([1 / slot.width_pt, 0, 0, 1 / slot.height_pt, 0, 0])
        replaced = sum(_replace_marker(page.obj.get("/Resources"), form, set()) for page in document.pages)
        if not replaced:
            raise SlotMissing("the record's PDF has no diagram slot")
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _replace_marker(resources, form, seen: set) -> int:
    """Swap every marker image under these resources (nested forms included); how many."""
    if not isinstance(resources, pikepdf.Dictionary) or "/XObject" not in resources:
        return 0
    count = 0
    objects = resources.XObject
    for name in list(objects.keys()):
        item = objects[name]
        if item.objgen in seen:
            continue
        seen.add(item.objgen)
        if _is_marker(item):
            objects[name] = form
            count += 1
        elif item.get("/Subtype") == "/Form":
            count += _replace_marker(item.get("/Resources"), form, seen)
    return count


def _is_marker(item) -> bool:
    return (item.get("/Subtype") == "/Image" and int(item.get("/Width", 0)) == MARKER_SIZE[0]
            and int(item.get("/Height", 0)) == MARKER_SIZE[1] and item.read_bytes() == MARKER_PIXELS)
