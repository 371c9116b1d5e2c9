"""Deactivating a user ends all their sessions at once (ASVS 7.4.2), whether in admin or in code."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User
from .sessions import end_all_sessions


@receiver(post_save, sender=User, dispatch_uid="isg-end-sessions-of-inactive-users")
def end_sessions_of_inactive_user(sender, instance: User, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        end_all_sessions(instance)
