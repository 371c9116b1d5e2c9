"""The live case-study library, read once per flowchart and file change."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from isg.flowchart.services import current_flowchart

from .content import Library, load_library


@cache
def _library(directory: Path, stamp: tuple, flowchart_sha: str) -> Library:
    return load_library(directory, current_flowchart())


def current_library() -> Library:
    """The case studies in ISG_CASESTUDIES_DIR. Raises CaseStudyError or FlowchartError."""
    directory = Path(settings.ISG_CASESTUDIES_DIR)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.yaml")))
    return _library(directory, stamp, current_flowchart().sha256)
