"""The flowchart diagram as SVG: DOT from `isg.engine.diagram`, laid out by Graphviz's `dot`.

`render_svg(flowchart, path)` runs Debian's `dot -Tsvg` in a subprocess with a timeout and returns
an SVG fragment that is safe to put inline in a page under the app's CSP: no `style` attributes,
no scripts, no links or images, no external references, a `<title>` and `<desc>`, `role="img"`.
`render_pdf(flowchart, path)` is the same drawing as Graphviz's own one-page PDF (`dot -Tpdf`,
through cairo: vector, its labels as text, its fonts embedded), for the PDF decision record.
Results are cached by the flowchart's sha256 and the path. If `dot` is missing, too slow or fails,
`DiagramUnavailable` says so in words a user can read; pages show that and the text alternative.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Iterable

from isg.engine import Flowchart
from isg.engine.diagram import diagram_description, diagram_title, path_edges, step_pair, to_dot

logger = logging.getLogger(__name__)

# The Graphviz binary and how long it may take; tests monkeypatch these.
DOT_BINARY = "dot"
DOT_TIMEOUT = 10.0
CACHE_SIZE = 128

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Elements Graphviz draws with; anything else (script, a, image, foreignObject, style...) is dropped.
_ALLOWED_ELEMENTS = frozenset({"svg", "g", "title", "desc", "polygon", "polyline", "path", "ellipse", "text", "line", "rect"})
_DROPPED_ATTRIBUTES = frozenset({"style", "href", f"{{{XLINK_NS}}}href", f"{{{XLINK_NS}}}title", "target"})


class DiagramUnavailable(Exception):
    """The diagram cannot be drawn; `message` is for the page, `detail` for the log."""

    message = "The diagram cannot be shown right now. The same information is given as a list below."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.message)
        self.detail = detail


class GraphvizMissing(DiagramUnavailable):
    message = (
        "The diagram cannot be shown: Graphviz, the program that draws it, is not installed on this server. "
        "The same information is given as a list below."
    )


class GraphvizTimeout(DiagramUnavailable):
    message = "The diagram took too long to draw, so it is not shown. The same information is given as a list below."


class GraphvizFailed(DiagramUnavailable):
    message = "The diagram could not be drawn. The same information is given as a list below."


_cache: OrderedDict[tuple[str, tuple[tuple[str, str], ...] | None, str], str] = OrderedDict()
_pdf_cache: OrderedDict[tuple[str, tuple[tuple[str, str], ...] | None], bytes] = OrderedDict()
_lock = threading.Lock()


def _path_key(path: Iterable[object] | None) -> tuple[tuple[str, str], ...] | None:
    return None if path is None else tuple(step_pair(step) for step in path)


def render_svg(flowchart: Flowchart, path: Iterable[object] | None = None, *, id_prefix: str = "isg-diagram") -> str:
    """The flowchart's SVG (with `path` highlighted), as an inline-safe fragment. Cached.

    `path` is a sequence of walk Steps or (node, answer) pairs. Raises DiagramUnavailable.
    """
    steps = _path_key(path)
    key = (flowchart.sha256, steps, id_prefix)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    dot = to_dot(flowchart, steps, id_prefix=id_prefix)
    raw = run_dot(dot)
    svg = clean_svg(
        raw,
        title=diagram_title(flowchart),
        description=diagram_description(flowchart, steps),
        id_prefix=id_prefix,
        highlighted=steps is not None and bool(path_edges(flowchart, steps).moves),
    )
    with _lock:
        _cache[key] = svg
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return svg


def render_pdf(flowchart: Flowchart, path: Iterable[object] | None = None) -> bytes:
    """The flowchart (with `path` highlighted) as a one-page PDF drawn by Graphviz. Cached.

    The same DOT as `render_svg`. Graphviz lays the labels out with the fonts it draws them with,
    so the boxes fit their words. Raises DiagramUnavailable (including when this Graphviz has no
    cairo PDF output).
    """
    steps = _path_key(path)
    key = (flowchart.sha256, steps)
    with _lock:
        if key in _pdf_cache:
            _pdf_cache.move_to_end(key)
            return _pdf_cache[key]
    pdf = run_dot(to_dot(flowchart, steps), output_format="pdf")
    if not pdf.startswith(b"%PDF-"):
        raise GraphvizFailed("Graphviz's PDF output does not start with %PDF-")
    with _lock:
        _pdf_cache[key] = pdf
        while len(_pdf_cache) > CACHE_SIZE:
            _pdf_cache.popitem(last=False)
    return pdf


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _pdf_cache.clear()


def svg_document(svg: str) -> str:
    """A fragment from `render_svg` as a standalone .svg file."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def run_dot(dot: str, output_format: str = "svg") -> bytes:
    """`dot -T<output_format>` on the DOT text. Graphviz may not read files (GV_FILE_PATH, SERVER_NAME)."""
    env = {
        **os.environ,
        # With SERVER_NAME set, Graphviz loads images only from GV_FILE_PATH: here, nowhere.
        "SERVER_NAME": "isg",
        "GV_FILE_PATH": "/nonexistent-isg-graphviz-files/",
    }
    try:
        result = subprocess.run(
            [DOT_BINARY, f"-T{output_format}"], input=dot.encode("utf-8"), capture_output=True,
            timeout=DOT_TIMEOUT, env=env, check=False,
        )
    except FileNotFoundError as exc:
        logger.error("Graphviz is not installed: %s not found (apt-get install graphviz)", DOT_BINARY)
        raise GraphvizMissing(f"{DOT_BINARY} not found") from exc
    except PermissionError as exc:
        logger.error("Graphviz cannot run: %s is not executable", DOT_BINARY)
        raise GraphvizMissing(f"{DOT_BINARY} is not executable") from exc
    except subprocess.TimeoutExpired as exc:
        logger.error("Graphviz took more than %s seconds", DOT_TIMEOUT)
        raise GraphvizTimeout(f"{DOT_BINARY} took more than {DOT_TIMEOUT} s") from exc
    if result.returncode != 0 or not result.stdout.strip():
        detail = result.stderr.decode("utf-8", "replace").strip()[:500]
        logger.error("Graphviz failed (exit %s): %s", result.returncode, detail)
        raise GraphvizFailed(f"{DOT_BINARY} exited with {result.returncode}: {detail}")
    return result.stdout


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def clean_svg(raw: bytes, *, title: str, description: str, id_prefix: str, highlighted: bool = False) -> str:
    """Graphviz's SVG made inline-safe and accessible.

    Drops the XML prolog, DOCTYPE and comments (by parsing), Graphviz's own `<title>`s (node ids
    that mean nothing to a reader), any element Graphviz would not draw with and any `style`,
    `href` or event attribute; adds `<title>`/`<desc>`, `role="img"` and the ARIA references.
    """
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise GraphvizFailed(f"Graphviz wrote SVG that does not parse: {exc}") from exc
    _scrub(root)
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "title":
                parent.remove(child)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    desc_el = ET.Element(f"{{{SVG_NS}}}desc", {"id": desc_id})
    desc_el.text = description
    title_el = ET.Element(f"{{{SVG_NS}}}title", {"id": title_id})
    title_el.text = title
    root.insert(0, desc_el)
    root.insert(0, title_el)
    root.set("role", "img")
    root.set("aria-labelledby", title_id)
    root.set("aria-describedby", desc_id)
    root.set("focusable", "false")
    root.set("class", "isg-diagram__svg" + (" isg-diagram__svg--path" if highlighted else ""))
    # Registered again here, not only at import: WeasyPrint resets ElementTree's global prefix map
    # when it loads, and the SVG would then come out as `<ns0:svg>`, which nothing draws.
    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _scrub(element: ET.Element) -> None:
    for child in list(element):
        if _local(child.tag) not in _ALLOWED_ELEMENTS:
            element.remove(child)
        else:
            _scrub(child)
    for name in list(element.attrib):
        local = _local(name)
        if name in _DROPPED_ATTRIBUTES or local in {"style", "href"} or local.lower().startswith("on"):
            del element.attrib[name]
