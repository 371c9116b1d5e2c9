"""Exporting a decision record: render first, then write the `exported` event with the file's digest.

The event is written only once whole PDF bytes exist, so a failed render leaves the decision and
its history exactly as they were. The digest lets a leaked copy be traced to this export
(reliability.md DP-8).
"""

from __future__ import annotations

from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent

from .pdf import RenderedRecord, render_decision_pdf


def export_pdf(decision: Decision, actor) -> RenderedRecord:
    """Raises pdf.RenderFailed (nothing written) if the record cannot be rendered."""
    rendered = render_decision_pdf(decision, exported_by=actor)
    history.record(
        decision, actor, DecisionEvent.Kind.EXPORTED,
        format="pdf", sha256=rendered.sha256, bytes=len(rendered.pdf), flowchart_sha256=decision.flowchart_id,
    )
    return rendered
