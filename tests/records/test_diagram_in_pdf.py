"""The record's diagram is Graphviz's own PDF, placed into the slot WeasyPrint laid out and tagged."""

from __future__ import annotations

import dataclasses

import pikepdf
import pytest

from isg.flowchart import diagram
from isg.records import diagram as record_diagram
from isg.records.pdf import render_decision_pdf, render_html

from .reading import open_pdf, pages_text

pytestmark = pytest.mark.django_db


def xobjects(document: pikepdf.Pdf) -> list:
    found = []
    for page in document.pages:
        resources = page.obj.get("/Resources")
        if resources is not None and "/XObject" in resources:
            found += [obj for _, obj in resources.XObject.items()]
    return found


def figures(node) -> list:
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Array):
            stack.extend(item)
        elif isinstance(item, pikepdf.Dictionary):
            if item.get("/S") == "/Figure":
                found.append(item)
            if "/K" in item:
                stack.append(item.K)
    return found


def test_the_diagram_is_graphvizs_pdf_in_a_tagged_figure_with_its_description(recorded, owner):
    pdf = render_decision_pdf(recorded, exported_by=owner).pdf
    with open_pdf(pdf) as document:
        placed = [x for x in xobjects(document) if x.get("/Subtype") == "/Form"]
        assert placed, "the diagram is a form drawn from Graphviz's page"
        assert not [x for x in xobjects(document) if record_diagram._is_marker(x)], "no marker picture left"
        (figure,) = figures(document.Root.StructTreeRoot)
        alt = str(figure.Alt)
        assert alt.startswith("Diagram of the flowchart") and "Your path is drawn with thick lines" in alt
    last = pages_text(pdf)[-1]
    assert "(your path)" in last and "1. What is happening?" in last  # the labels are text, not pixels


def test_the_slot_is_sized_in_proportion_within_the_page(recorded):
    from isg.flowchart.services import flowchart_for

    slot = record_diagram.diagram_slot(flowchart_for(recorded.flowchart_id), recorded.steps)
    width, height = slot.size_mm
    assert width <= record_diagram.MAX_WIDTH_MM and height <= record_diagram.MAX_HEIGHT_MM
    assert max(width / record_diagram.MAX_WIDTH_MM, height / record_diagram.MAX_HEIGHT_MM) == pytest.approx(1, abs=0.001)
    assert width / height == pytest.approx(slot.width_pt / slot.height_pt, rel=0.01)


def test_the_diagrams_description_is_kept_per_flowchart_version_and_path(recorded):
    """The description is reused between records: a stale one would describe another path or version."""
    from isg.flowchart.services import flowchart_for

    flowchart = flowchart_for(recorded.flowchart_id)
    steps = list(recorded.steps)
    whole = record_diagram.diagram_slot(flowchart, steps).alt
    assert record_diagram.diagram_slot(flowchart, steps).alt == whole
    part_way = record_diagram.diagram_slot(flowchart, steps[:3]).alt
    assert "Outcome:" in whole and "Outcome:" not in part_way
    newer = dataclasses.replace(flowchart, sha256="f" * 64, version="99.1")
    assert "(version 99.1)" in record_diagram.diagram_slot(newer, steps).alt
    assert "(version 99.1)" not in record_diagram.diagram_slot(flowchart, steps).alt


def test_graphviz_draws_each_path_once(recorded, owner, monkeypatch):
    diagram.clear_cache()
    calls = []
    real = diagram.run_dot
    monkeypatch.setattr(diagram, "run_dot", lambda *a, **k: calls.append(k.get("output_format")) or real(*a, **k))
    render_decision_pdf(recorded, exported_by=owner)
    render_decision_pdf(recorded, exported_by=owner)
    assert calls == ["pdf"]


def test_without_graphvizs_pdf_output_the_svg_is_drawn_inline_instead(recorded, owner, monkeypatch):
    def no_cairo(*args, **kwargs):
        raise diagram.GraphvizFailed("Format: 'pdf' not recognized")

    monkeypatch.setattr(record_diagram, "render_pdf", no_cairo)
    html, _ = render_html(recorded, exported_by=owner)
    assert "<svg " in html and record_diagram.SLOT_NAME not in html
    text = " ".join(pages_text(render_decision_pdf(recorded, exported_by=owner).pdf))
    assert "(your path)" in text and "not included in this copy" not in text


def test_a_pdf_without_the_slot_is_refused():
    from weasyprint import HTML

    bare = HTML(string='<html lang="en-GB"><title>t</title><p>No slot</p></html>').write_pdf()
    slot = record_diagram.DiagramSlot(pdf=bare, width_pt=10, height_pt=10, alt="")
    with pytest.raises(record_diagram.SlotMissing):
        record_diagram.place(bare, slot)
