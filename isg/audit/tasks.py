"""The audit chain's background work, run by the task worker (`manage.py db_worker`).

`anchor_chain` writes one anchor of the chain's head (isg/audit/anchors.py). The housekeeping
scheduler (still to be built) will enqueue it on a schedule: at least daily, and more often to
narrow what a deletion of the newest events could hide. Until then run `manage.py audit anchor`
from cron or a systemd timer; both write the same line.
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
