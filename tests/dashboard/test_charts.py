"""The SVG charts: accessible, no style attribute, no script, every number in text, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from isg.dashboard import charts
from isg.dashboard.services import Bar, Breakdown

SVG = "{http://www.w3.org/2000/svg}"


def breakdown(*bars: tuple[str, int], title: str = "Decisions by outcome") -> Breakdown:
    total = sum(n for _, n in bars)
    return Breakdown(title, tuple(Bar(label.lower(), label, n, round(100 * n / total) if total else 0)
                                  for label, n in bars), total)


def test_a_chart_is_an_image_with_a_title_and_a_description_naming_every_number():
    svg = str(charts.bar_chart(breakdown(("Share", 9), ("Do not share", 3)), "chart-x"))
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert root.find(f"{SVG}title").text == "Decisions by outcome"
    assert root.find(f"{SVG}desc").text == "Bar chart of 12 decisions. Share: 9 (75%); Do not share: 3 (25%)."
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Share", "9 (75%)", "Do not share", "3 (25%)"]


def test_no_style_attribute_no_script_no_foreign_content():
    svg = str(charts.bar_chart(breakdown(("A", 1), ("B", 2), ("C", 0)), "chart-y", patterned=True))
    assert "style" not in svg.lower()
    assert "<script" not in svg.lower() and "javascript:" not in svg.lower()
    assert not re.search(r"\son\w+=", svg)  # no event handler attributes
    assert "foreignObject" not in svg


def test_bars_that_mean_different_things_differ_in_pattern_not_only_colour():
    svg = str(charts.bar_chart(breakdown(("Share", 5), ("Do not share", 2), ("Neither", 1)), "c", patterned=True))
    root = ET.fromstring(svg)
    fills = [r.get("fill") for r in root.findall(f"{SVG}g/{SVG}rect")]
    assert len(set(fills)) == 3
    assert {"url(#c-hatch)", "url(#c-dots)"} <= set(fills)


def test_a_zero_bar_draws_no_rectangle_but_keeps_its_label_and_number():
    root = ET.fromstring(str(charts.bar_chart(breakdown(("March 2026", 0), ("April 2026", 4)), "m")))
    groups = root.findall(f"{SVG}g")
    assert groups[0].find(f"{SVG}rect") is None
    assert [t.text for t in groups[0].findall(f"{SVG}text")] == ["March 2026", "0 (0%)"]


def test_text_is_escaped():
    svg = str(charts.bar_chart(breakdown(("<script>alert(1)</script> & co", 1), title="A <b>title</b>"), "e"))
    assert "<script>" not in svg and "<b>" not in svg
    ET.fromstring(svg)


def test_nothing_to_draw_gives_no_svg():
    assert str(charts.bar_chart(breakdown(), "empty")) == ""


def test_long_labels_are_shortened_in_the_chart_only():
    long = ("Telling them would increase the risk of serious harm to them or someone else "
            "(Data Protection Act 2018 Schedule 3, serious harm)")
    assert charts.short_label(long) == "Telling them would increase the risk of serious harm to them or someone else"
    assert len(charts.short_label("x" * 200)) == charts.MAX_LABEL
    root = ET.fromstring(str(charts.bar_chart(breakdown((long, 2)), "l")))
    assert long in root.find(f"{SVG}desc").text  # the description keeps the whole label
