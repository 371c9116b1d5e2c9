"""`manage.py exports purge-expired`: delete the files of register exports past their expiry.

Each finished job also queues the same sweep for its expiry time when the task backend can defer;
this command catches any the worker missed. Safe to run as often as wanted (cron, hourly).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from isg.exports.services import purge_expired


class Command(BaseCommand):
    help = "Register export housekeeping. purge-expired: delete expired export files and mark them expired."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["purge-expired"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired()
        self.stdout.write(f"{count} expired export{'s' if count != 1 else ''} purged")
