"""Deactivating a user ends all their sessions at once (ASVS 7.4.2), whether in admin or in code.

A line manager who stops holding approvals (away from today, switched off, no longer a line manager,
moved to another agency) has their waiting approvals handed on. The approvals are a layer above this
app (.importlinter), so this app says so with `stops_holding_approvals`, sent inside the change's
transaction, and isg/approvals/signals.py answers it with how many it handed over.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from .models import User
from .sessions import end_all_sessions

# Sent with user=, reason= ("away", "deactivated", "role_changed", "agency_changed") and actor= (who
# caused it); each receiver returns how many waiting items it handed over.
stops_holding_approvals = Signal()


def hand_over_approvals(user: User, *, reason: str, actor: User) -> int:
    """Hand on the approvals waiting for `user`, in the caller's transaction; returns how many moved."""
    return sum(moved for _, moved in stops_holding_approvals.send(sender=User, user=user, reason=reason, actor=actor))


@receiver(post_save, sender=User, dispatch_uid="isg-end-sessions-of-inactive-users")
def end_sessions_of_inactive_user(sender, instance: User, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        end_all_sessions(instance)
