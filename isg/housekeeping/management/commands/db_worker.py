"""`manage.py db_worker`: isg.ops's worker (django-tasks-db's, with a heartbeat), keeping the
housekeeping schedule as well (isg/housekeeping/worker.py: a thread that runs the jobs due).

isg.housekeeping comes before isg.ops in INSTALLED_APPS, so this is the `db_worker` that runs: ops
sits below the apps whose jobs it would run, so the schedule is added from up here. Every option
is django-tasks-db's own.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from isg.housekeeping import worker
from isg.ops.management.commands.db_worker import Command as HeartbeatWorkerCommand


class Command(HeartbeatWorkerCommand):
    help = HeartbeatWorkerCommand.help + " (and keep the housekeeping schedule)"

    def handle(self, *args, **options):
        reloading_parent = options.get("reload") and not options.get("batch") and (
            os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        # Only the process that runs tasks keeps the schedule; a batch run drains the queue and stops.
        housekeeping = None if reloading_parent or options.get("batch") else worker.start()
        try:
            return super().handle(*args, **options)
        finally:
            if housekeeping is not None:
                housekeeping.stop()
