"""A partnership officer's flag on a decision: look at it again, for audit or for a learning review.

The notes (why it was flagged, why it was cleared) are kept on the decision's history, in the
events the flag points at, so they are on the audit chain and retention removes them with the rest
of the decision's text; this row holds only who, when and which events. One open flag per purpose.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReviewFlagQuerySet(models.QuerySet):
    def open(self) -> ReviewFlagQuerySet:
        return self.filter(cleared_at__isnull=True)


class ReviewFlag(models.Model):
    class Purpose(models.TextChoices):
        AUDIT = "audit", "Audit"
        LEARNING = "learning", "Learning review"

    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="review_flags")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    raised_event = models.ForeignKey(
        "decisions.DecisionEvent", on_delete=models.PROTECT, related_name="+",
        help_text="The decision history event that holds the note: why it was flagged.",
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_event = models.ForeignKey(
        "decisions.DecisionEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The decision history event that holds the note: why the flag was cleared.",
    )

    objects = ReviewFlagQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "purpose"], condition=models.Q(cleared_at__isnull=True),
                name="reviews_one_open_flag_per_purpose",
            ),
        ]
        indexes = [models.Index(fields=["decision", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} flag on decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def note(self) -> str:
        return str(self.raised_event.payload.get("note", ""))

    @property
    def clear_note(self) -> str:
        return str(self.cleared_event.payload.get("note", "")) if self.cleared_event_id else ""
