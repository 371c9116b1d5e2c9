"""The approvals' answer to the accounts app's `stops_holding_approvals` (connected in apps.py)."""

from __future__ import annotations

from django.dispatch import receiver

from isg.accounts.signals import stops_holding_approvals

from .handover import hand_over_waiting


@receiver(stops_holding_approvals, dispatch_uid="isg-hand-over-waiting-approvals")
def hand_over_when_they_stop(sender, *, user, reason, actor, **kwargs) -> int:
    return hand_over_waiting(user, reason=reason, actor=actor)
