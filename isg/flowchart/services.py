"""Which flowchart is live, the earlier versions kept beside it, and the one any decision was made under."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings

from isg.engine import Flowchart, load_flowchart, parse_flowchart

from .models import FlowchartVersion

ARCHIVE_FOLDER = "archive"
_FLOWCHART_SUFFIXES = (".yaml", ".yml")


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


def archive_folder() -> Path:
    """The folder of earlier flowchart files: `archive/` beside the live file."""
    return Path(settings.ISG_FLOWCHART_PATH).parent / ARCHIVE_FOLDER


def archived_flowcharts() -> dict[str, Flowchart]:
    """Every flowchart file in the archive folder, by sha256; each reloaded only when its file changes.

    A missing folder means no archive. Raises FlowchartError if an archived file does not load:
    the start-up check reports that, so a broken archive never reaches a page.
    """
    folder = archive_folder()
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in _FLOWCHART_SUFFIXES and path.is_file():
            flowchart = _load(path, path.stat().st_mtime_ns)
            found[flowchart.sha256] = flowchart
    return found


def version_key(version: str) -> tuple[int, ...]:
    """The numbers in a version string, so that 1.10.0 sorts after 1.9.2."""
    return tuple(int(number) for number in re.findall(r"\d+", version))


def previous_flowchart() -> Flowchart | None:
    """The newest archived flowchart whose version is older than the live one; None if there is none."""
    live = current_flowchart()
    older = [
        flowchart for flowchart in archived_flowcharts().values()
        if flowchart.sha256 != live.sha256 and version_key(flowchart.version) < version_key(live.version)
    ]
    return max(older, key=lambda flowchart: version_key(flowchart.version), default=None)


@cache
def _flowchart_by_sha(sha256: str) -> Flowchart:
    stored = FlowchartVersion.objects.get(sha256=sha256)
    return parse_flowchart(bytes(stored.content), f"flowchart {stored.version} ({sha256[:12]})")


def flowchart_for(sha256: str) -> Flowchart:
    """The flowchart a decision was made under: the live one, a stored copy, or an archived file.

    Raises FlowchartVersion.DoesNotExist if none of them has this sha256.
    """
    live = current_flowchart()
    if live.sha256 == sha256:
        return live
    try:
        return _flowchart_by_sha(sha256)
    except FlowchartVersion.DoesNotExist:
        archived = archived_flowcharts().get(sha256)
        if archived is None:
            raise
        return archived
