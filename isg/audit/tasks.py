"""The audit chain's background work, run by the task worker (`manage.py db_worker`).

`anchor_chain` writes one anchor of the chain's head (isg/audit/anchors.py). The housekeeping
schedule (isg/housekeeping/schedule.py, job audit_anchor) anchors every hour from the task
worker; `manage.py audit anchor` and this task write the same line, for a run by hand.
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from .anchors import write_anchor


@task
def anchor_chain() -> dict[str, Any]:
    """Anchor the chain now; returns the anchor as written. Fails (AnchorError) rather than sign
    over a chain that no longer holds the newest anchor: the worker logs that as an error."""
    return write_anchor().as_dict()
