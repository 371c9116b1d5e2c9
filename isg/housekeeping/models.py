"""One row per job per slot: the claim that makes a slot run once, however many workers ask."""

from __future__ import annotations

from django.db import models


class Run(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.CharField(max_length=60)
    slot = models.DateTimeField(help_text="The scheduled time this run is for (UTC), not when it started.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(default=dict, help_text="Numbers only: what the job did.")
    error = models.CharField(max_length=100, blank=True, help_text="The exception's type, never its message.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="housekeeping_one_run_per_slot")]
        indexes = [models.Index(fields=["job", "-slot"])]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
