"""What actually happened after a decision: each share made, and whether the person was told.

The decision records the plan (who will be told, with whom it may be shared); these rows record
the facts, added by the decision's owner afterwards:

    Share      one actual disclosure: when, to which organisation (the directory's, or another
               named one), to whom there, how, what was shared and what was withheld.
    Telling    whether the person was told (when, by whom, how) or not (the flowchart's reason,
               and when to reconsider). Recorded again later if that changes: the newest is current.

Both are append-only: a correction is a new row (or an amendment to the decision), never an edit.
Each is also a DecisionEvent on the decision's history, and so on the audit chain (services.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("a disclosure record is never edited: record another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("a disclosure record is never deleted")


class Share(_AppendOnly):
    class Method(models.TextChoices):
        SECURE_EMAIL = "secure_email", "Secure email"
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"
        MEETING = "meeting", "Meeting or strategy discussion"
        SECURE_PORTAL = "secure_portal", "Secure portal"
        LETTER = "letter", "Letter"
        OTHER = "other", "Another way"

    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="shares")
    shared_at = models.DateTimeField(help_text="When the information was shared.")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The recipient organisation from the partnership's directory; empty for another, named one.",
    )
    recipient_name = models.CharField(max_length=200, blank=True, help_text="Another organisation, by name.")
    recipient_person = models.CharField(max_length=200, help_text="The person or role at the recipient.")
    method = models.CharField(max_length=20, choices=Method.choices)
    what_shared = models.TextField()
    withheld = models.TextField(blank=True)
    receipt_confirmed = models.BooleanField(null=True, blank=True, help_text="Empty: not said.")
    emergency = models.BooleanField(default=False, help_text="Shared in an emergency before the approval came.")
    emergency_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    token = models.UUIDField(help_text="The form's one-time token: a repeated post finds this share.")

    class Meta:
        ordering = ["shared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["decision", "token"], name="one_share_per_form_token")]

    def __str__(self) -> str:
        return f"Share to {self.recipient} for decision {self.decision_id}"

    @property
    def recipient(self) -> str:
        return self.organisation.name if self.organisation_id else self.recipient_name


class Telling(_AppendOnly):
    class How(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        MEETING = "meeting", "At a meeting"
        OTHER = "other", "Another way"

    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="tellings")
    told = models.BooleanField()
    told_on = models.DateField(null=True, blank=True)
    told_by = models.CharField(max_length=200, blank=True, help_text="Who told them (name or role).")
    how = models.CharField(max_length=20, choices=How.choices, blank=True)
    not_told_reason = models.CharField(
        max_length=40, blank=True,
        help_text="The flowchart's reason id (inform_person's not_informing_reason), when not told.",
    )
    agreed_by = models.CharField(max_length=200, blank=True,
                                 help_text="Another reason: the data protection officer or Caldicott guardian who agreed.")
    reconsider_by = models.DateField(null=True, blank=True)
    follow_up = models.ForeignKey("followups.FollowUp", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    token = models.UUIDField(help_text="The form's one-time token: a repeated post finds this record.")

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["decision", "token"], name="one_telling_per_form_token")]

    def __str__(self) -> str:
        return f"{'Told' if self.told else 'Not told'} for decision {self.decision_id}"
