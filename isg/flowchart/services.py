"""Which flowchart is live, and the flowchart any stored decision was made under."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from isg.engine import Flowchart, load_flowchart, parse_flowchart

from .models import FlowchartVersion


@cache
def _load(path: Path, mtime_ns: int) -> Flowchart:
    return load_flowchart(path)


def current_flowchart() -> Flowchart:
    """The flowchart in ISG_FLOWCHART_PATH, reloaded only when the file changes. Raises FlowchartError."""
    path = Path(settings.ISG_FLOWCHART_PATH)
    return _load(path, path.stat().st_mtime_ns)


def register_current() -> Flowchart:
    """The live flowchart, with its bytes stored once so decisions made under it can be replayed."""
    flowchart = current_flowchart()
    FlowchartVersion.objects.get_or_create(
        sha256=flowchart.sha256,
        defaults={
            "version": flowchart.version,
            "title": flowchart.title,
            "content": Path(settings.ISG_FLOWCHART_PATH).read_bytes(),
        },
    )
    return flowchart


@cache
def _flowchart_by_sha(sha256: str) -> Flowchart:
    stored = FlowchartVersion.objects.get(sha256=sha256)
    return parse_flowchart(bytes(stored.content), f"flowchart {stored.version} ({sha256[:12]})")


def flowchart_for(sha256: str) -> Flowchart:
    """The flowchart a decision was made under: the live one, or a stored earlier version."""
    live = current_flowchart()
    if live.sha256 == sha256:
        return live
    return _flowchart_by_sha(sha256)
