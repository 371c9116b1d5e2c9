"""What falls due after a decision: tasks with an owner, a due time, and who completed them when.

A follow-up is opened by the app: a data protection officer's breach assessment when an approver
disagrees after sharing, a review when an approver does not approve, and the inform-by, reconsider
and review dates a submitted record names (services.open_from_record); and by a person: a follow-up
action (what, who, by when) the decision's owner or their line manager adds (services.open_action,
`source` "action:<the form's token>"). digest.py reminds each owner daily of what is due.
Its history (opened, completed) is on the decision's audit chain; the row holds the current state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FollowUpQuerySet(models.QuerySet):
    def open(self) -> FollowUpQuerySet:
        return self.filter(completed_at__isnull=True)

    def overdue(self, now=None) -> FollowUpQuerySet:
        return self.open().filter(due_at__lt=now or timezone.now())

    def for_user(self, user) -> FollowUpQuerySet:
        """The tasks this person owns."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(Q(owner=user))


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        BREACH_ASSESSMENT = "breach_assessment", "Assess a possible personal data breach"
        INFORM = "inform", "Tell the person what was shared"
        RECONSIDER_TELLING = "reconsider_telling", "Reconsider telling the person"
        REVIEW = "review", "Review the decision"
        ACTION = "action", "Follow-up action"

    decision = models.ForeignKey("decisions.Decision", on_delete=models.PROTECT, related_name="follow_ups_due")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.TextField(blank=True, help_text="What is to be done, in words.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups",
        help_text="Who must do it. Empty: nobody in this app could be named (the page says so).",
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    completion_note = models.TextField(blank=True)
    # Which date in the decision's record opened it ("inform_by", "review_date", ...); empty for a
    # task the app opens on its own (a breach assessment, a review after "not approved"). One task
    # per decision and source: a resubmission finds it and moves it rather than opening another.
    source = models.CharField(max_length=40, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["owner", "completed_at", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["decision", "source"], condition=~Q(source=""),
                                    name="followups_one_task_per_record_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class DigestSent(models.Model):
    """One daily reminder went to this person on this (UK) day: the row is claimed before the mail
    goes, so a second run the same day, or a second worker, sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    tasks = models.PositiveIntegerField(default=0)
    approvals = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="followups_one_digest_a_day")]

    def __str__(self) -> str:
        return f"Reminder to user {self.user_id} on {self.day}"
