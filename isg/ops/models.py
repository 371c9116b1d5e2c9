from django.db import models


class WorkerHeartbeat(models.Model):
    """The task worker's "still here": django-tasks-db records none, so our `db_worker` writes one row
    per worker process every few seconds, and /healthz/worker reads the newest. No personal data.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.beat_at:%Y-%m-%d %H:%M:%S}"
