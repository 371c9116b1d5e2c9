"""An export of the register made by the task worker: who asked, for which filter, how far it got.

Exports small enough to make in the request are never stored (they stream straight to the person
who asked); only the audit chain remembers them. A job's file lives in settings.ISG_EXPORT_DIR,
outside static and media, and is served only to `requester`, only until `expires_at`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    class Kind(models.TextChoices):
        CSV = "csv", "CSV of decisions"
        ZIP = "zip", "ZIP of PDF decision records"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    query = models.TextField(blank=True, help_text="The register filter's query string, as the requester saw it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Known once the worker starts.")
    file_name = models.CharField(max_length=200, blank=True, help_text="Inside ISG_EXPORT_DIR; empty until done.")
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="exports_job_status_expires")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.requester_id} ({self.status})"

    @property
    def path(self) -> Path | None:
        return Path(settings.ISG_EXPORT_DIR) / self.file_name if self.file_name else None

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.done * 100 // self.total)

    @property
    def extension(self) -> str:
        return self.kind
