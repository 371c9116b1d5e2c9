"""Accessible SVG bar charts, drawn in Python from a Breakdown (services.py).

The strict CSP forbids inline styles, so every look is a presentation attribute (fill, stroke,
font-size) or a class styled by static/css/dashboard.css: the SVG reads correctly with no CSS at
all. Each chart is role="img" with a <title> and a <desc> naming every number, each bar carries
its label and its count in text, and bars that stand for different things also differ in pattern,
so nothing is said by colour alone. The table beside each chart is its full text alternative.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .services import Breakdown

WIDTH = 640
ROW = 58  # a label line, then its bar
LABEL_SIZE = 16
BAR_HEIGHT = 24
BAR_TOP = 24  # from the top of a row
VALUE_ROOM = 110  # right of the longest bar, for "1,234 (100%)"
TEXT = "#0b0c0c"
BAR = "#1d70b8"
MAX_LABEL = 78  # characters; the table beside the chart has the whole label
FONT = "arial, sans-serif"

# Fills for bars that mean different things (share / do not share / neither): solid, hatched, dotted.
PATTERNS = ("solid", "hatch", "dots")


def short_label(label: str) -> str:
    """The chart's label: the words before any legal citation in brackets, cut at MAX_LABEL."""
    text = label.split(" (", 1)[0] if len(label) > MAX_LABEL else label
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _value(count: int, percent: int) -> str:
    return f"{count:,} ({percent}%)"


def _defs(chart_id: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#ffffff"/><rect width="4" height="8" fill="{BAR}"/></pattern>'
        f'<pattern id="{chart_id}-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="2" fill="{BAR}"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, index: int, patterned: bool) -> str:
    pattern = PATTERNS[index % len(PATTERNS)] if patterned else "solid"
    return BAR if pattern == "solid" else f"url(#{chart_id}-{pattern})"


def description(breakdown: Breakdown) -> str:
    """Every bar in words, for the SVG's <desc>."""
    parts = "; ".join(f"{bar.label}: {_value(bar.count, bar.percent)}" for bar in breakdown.bars)
    return f"Bar chart of {breakdown.total:,} decisions. {parts}."


def bar_chart(breakdown: Breakdown, chart_id: str, *, patterned: bool = False) -> SafeString:
    """A horizontal bar chart, one labelled bar per group; empty string when there is nothing to draw."""
    if breakdown.is_empty or not breakdown.bars:
        return mark_safe("")
    height = ROW * len(breakdown.bars) + 8
    longest = max(bar.count for bar in breakdown.bars) or 1
    scale = (WIDTH - VALUE_ROOM) / longest
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="isg-chart__svg" role="img" focusable="false" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}">',
        f'<title id="{chart_id}-title">{escape(breakdown.title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description(breakdown))}</desc>',
    ]
    if patterned:
        out.append(_defs(chart_id))
    for index, bar in enumerate(breakdown.bars):
        top = index * ROW
        width = max(round(bar.count * scale, 1), 2) if bar.count else 0
        out.append(f'<g class="isg-chart__bar" data-key="{escape(bar.key)}">')
        out.append(f'<text x="0" y="{top + LABEL_SIZE}" font-size="{LABEL_SIZE}" fill="{TEXT}">'
                   f"{escape(short_label(bar.label))}</text>")
        if width:
            out.append(f'<rect x="0" y="{top + BAR_TOP}" width="{width}" height="{BAR_HEIGHT}" '
                       f'fill="{_fill(chart_id, index, patterned)}" stroke="{BAR}" stroke-width="1"/>')
        out.append(f'<text x="{width + 8}" y="{top + BAR_TOP + BAR_HEIGHT - 6}" font-size="{LABEL_SIZE}" '
                   f'font-weight="bold" fill="{TEXT}">{escape(_value(bar.count, bar.percent))}</text>')
        out.append("</g>")
    out.append("</svg>")
    return mark_safe("".join(out))  # every piece of text above is escaped
