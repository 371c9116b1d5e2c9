"""A legal hold: while one is in force on a decision, retention leaves the decision's words alone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LegalHoldQuerySet(models.QuerySet):
    def in_force(self) -> LegalHoldQuerySet:
        return self.filter(released_at__isnull=True)


class LegalHold(models.Model):
    """Placed and released by a data protection officer or an administrator (holds.py); both audited.

    The reason is a code, never words: the row outlives the decision's text.
    """

    class Reason(models.TextChoices):
        LITIGATION = "litigation", "Legal proceedings, started or expected"
        REGULATOR = "regulator", "A regulator's investigation (the ICO, say)"
        INQUIRY = "inquiry", "A review or inquiry (a safeguarding practice review, a public inquiry)"
        SUBJECT_ACCESS = "subject_access", "A subject access request being answered"
        COMPLAINT = "complaint", "A complaint being investigated"
        OTHER = "other", "Another reason recorded by the data protection officer"

    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    released_at = models.DateTimeField(null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision"], condition=Q(released_at__isnull=True),
                                    name="retention_one_hold_in_force_per_decision"),
        ]

    def __str__(self) -> str:
        return f"Legal hold on decision {self.decision_id} ({self.reason})"
