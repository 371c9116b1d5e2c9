"""django-tasks-db's `db_worker`, plus a heartbeat row that /healthz/worker reads (isg/housekeeping's
`db_worker` extends this one with the housekeeping schedule).

isg.ops comes before django_tasks_db in INSTALLED_APPS, so `manage.py db_worker` is this command;
every option is django-tasks-db's own.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from isg.ops.heartbeat import HeartbeatThread, beat_safely


class Command(DatabaseWorkerCommand):
    help = DatabaseWorkerCommand.help + " (and record a heartbeat for /readyz)"

    def handle(self, *args, **options):
        reloading_parent = options.get("reload") and not options.get("batch") and (
            os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        heartbeat = None
        if not reloading_parent:  # with --reload only the child that runs tasks beats
            heartbeat = HeartbeatThread(options["worker_id"])
            beat_safely(heartbeat.worker_id, heartbeat.started_at)  # ready as soon as it starts
            heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            if heartbeat is not None:
                heartbeat.stop()
