import uuid

from django.conf import settings
from django.db import models

from isg.engine import Step

from . import lifecycle


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DecisionQuerySet":
        """Deny by default: the decisions `user` may read, by the one rule in isg/access/services.py."""
        from isg.access.services import decisions_visible_to  # access imports this module

        return decisions_visible_to(user, self)

    def drafts(self) -> "DecisionQuerySet":
        return self.filter(status=Decision.Status.DRAFT)

    def recorded(self) -> "DecisionQuerySet":
        return self.exclude(status__in=[Decision.Status.DRAFT, Decision.Status.SUPERSEDED])

    def superseded(self) -> "DecisionQuerySet":
        return self.filter(status=Decision.Status.SUPERSEDED)


class Decision(models.Model):
    """One walk through the flowchart about one piece of sharing, from first answer to outcome.

    The path is the source of truth: state, current node and outcome are what the engine computes
    from it, stored so that reports and exports can read them without the engine.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECORDED = "recorded", "Recorded"
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
        RETURNED = "returned", "Returned for more information"
        APPROVED = "approved", "Approved"
        NOT_APPROVED = "not_approved", "Not approved"
        # Flowchart 1.2's after-sharing approval: shared at once, reviewed the same working day.
        AWAITING_REVIEW = "awaiting_review", "Shared: waiting for review"
        AGREED = "agreed", "Shared and agreed on review"
        DISAGREED = "disagreed", "Shared: the reviewer disagreed"
        ESCALATED = "escalated", "Escalated: still open"
        RESOLVED = "resolved", "Resolved by a follow-up decision"
        SUPERSEDED = "superseded", "Restarted under a newer flowchart"
        # Submitted in error and withdrawn by its owner before anything was shared (isg/approvals/withdrawal.py):
        # kept, with its history, but left out of the partnership's figures.
        WITHDRAWN = "withdrawn", "Withdrawn: submitted in error"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, related_name="decisions")
    case_reference = models.CharField(max_length=100)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    flowchart = models.ForeignKey("flowchart.FlowchartVersion", on_delete=models.PROTECT, related_name="decisions")
    flowchart_version = models.CharField(max_length=50)
    path = models.JSONField(default=list)
    state = models.JSONField(default=dict)
    current_node = models.CharField(max_length=60)
    return_to = models.CharField(max_length=60, blank=True)
    record = models.JSONField(default=dict, help_text="Answers asked at the end: review owner and date, follow-up.")
    outcome = models.CharField(max_length=60, blank=True)
    requires_approval = models.BooleanField(default=False)
    approval_mode = models.CharField(
        max_length=20, blank=True, choices=[("none", "No approval"), ("before_sharing", "Approval before sharing"),
                                            ("after_sharing", "Review after sharing")],
        help_text="What the outcome rule declared for this walk's final state (flowchart 1.2); blank before.",
    )
    is_emergency = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    start_token = models.UUIDField(
        null=True, blank=True, editable=False,
        help_text="The one-time token of the form that started this draft: a repeated post finds this draft.",
    )
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups",
        help_text="The earlier decision on the same case this one follows up (it may resolve an escalation).",
    )
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces",
        help_text="The draft restarted under a newer flowchart in this draft's place.",
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["owner", "start_token"], name="decision_one_draft_per_start_token"),
        ]

    def __str__(self) -> str:
        return f"{self.case_reference} ({self.get_status_display()})"

    @property
    def steps(self) -> list[Step]:
        return [Step(node=s["node"], answer=s["answer"], data=_step_data(s)) for s in self.path]

    @property
    def summary(self) -> str:
        first = self.path[0] if self.path else {}
        return first.get("fields", {}).get("summary", "")

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_editable(self) -> bool:
        """A draft, or a decision the approver returned: the practitioner may change its answers."""
        return self.status in lifecycle.EDITABLE

    @property
    def is_waiting(self) -> bool:
        """Waiting for an approver: to approve before sharing, or to review a share already made."""
        return self.status in WAITING_STATUSES

    @property
    def is_superseded(self) -> bool:
        return self.status == self.Status.SUPERSEDED


def _step_data(stored: dict) -> dict:
    return {k: v for k, v in stored.items() if k not in ("node", "answer")}


class DecisionEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("decision history is append-only")

    def delete(self):
        raise TypeError("decision history is append-only")

    def bulk_update(self, *args, **kwargs):
        raise TypeError("decision history is append-only")

    def bulk_create(self, objs, *args, **kwargs):
        # Every event is chained into the audit history as it is written (isg/decisions/history.py).
        from .history import record_many

        return record_many(objs)


class DecisionEvent(models.Model):
    """Append-only history of a decision: every answer given, changed, dropped or submitted."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        ANSWERED = "answered", "Answered"
        CHANGED = "changed", "Answer changed"
        DROPPED = "dropped", "Answer no longer on the path"
        URGENT = "urgent", "Urgent button pressed"
        RECORD_UPDATED = "record_updated", "Record details updated"
        SUBMITTED = "submitted", "Submitted"
        SUPERSEDED = "superseded", "Restarted under a newer flowchart"
        RETURNED = "returned", "Returned for more information"
        RETURN_ANSWERED = "return_answered", "Question from the approver answered"
        RESUBMITTED = "resubmitted", "Resubmitted for approval"
        APPROVED = "approved", "Approved"
        NOT_APPROVED = "not_approved", "Not approved"
        REFERRED_UP = "referred_up", "Not agreed: escalated to the next approver"
        REVIEW_AGREED = "review_agreed", "Agreed on review after sharing"
        REVIEW_DISAGREED = "review_disagreed", "Disagreed on review after sharing"
        FOLLOW_UP_OPENED = "follow_up_opened", "Follow-up opened"
        FOLLOW_UP_COMPLETED = "follow_up_completed", "Follow-up completed"
        OVERDUE_ESCALATED = "overdue_escalated", "Approval overdue: escalated"
        ESCALATED = "escalated", "Escalated: still open"
        RESOLVED = "resolved", "Resolved by a follow-up decision"
        AMENDED = "amended", "Amended"
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        HANDED_OVER = "handed_over", "Handed over to another approver"  # isg/approvals/handover.py
        WITHDRAWN = "withdrawn", "Withdrawn: submitted in error"  # isg/approvals/withdrawal.py
        REVIEW_FLAGGED = "review_flagged", "Flagged for review"  # isg/reviews
        REVIEW_FLAG_CLEARED = "review_flag_cleared", "Review flag cleared"  # isg/reviews

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    node = models.CharField(max_length=60, blank=True)
    answer = models.CharField(max_length=60, blank=True)
    payload = models.JSONField(default=dict)
    revision = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    objects = DecisionEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("decision history is append-only")
        # Inserted and chained into the audit history together (isg/decisions/history.py).
        from .history import record_many

        record_many([self])

    def delete(self, *args, **kwargs):
        raise TypeError("decision history is append-only")


class Amendment(models.Model):
    """A correction added to a decision that can no longer change: the original stays as it was."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    text = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("an amendment is never edited: add another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("an amendment is never deleted")


# Waiting for an approver's answer: before sharing, or reviewing a share already made.
WAITING_STATUSES = tuple(sorted(lifecycle.WAITING))
