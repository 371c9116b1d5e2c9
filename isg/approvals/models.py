"""Who is asked to sign off a decision, and what became of the request.

The decision's own `status` is the state machine (isg/decisions/lifecycle.py); an Approval says who it is
waiting for, since when, by when (retrospective approvals), to whom it escalated and who decided.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from isg.decisions import lifecycle


class ApprovalQuerySet(models.QuerySet):
    def open(self) -> ApprovalQuerySet:
        """Waiting for a manager: approval requested, or an escalated (still open) decision."""
        return self.filter(decision__status__in=lifecycle.WITH_AN_APPROVER)

    def for_manager(self, user) -> ApprovalQuerySet:
        """Routed to this manager now (directly, or escalated to them), or in their agency's shared queue."""
        from django.db.models import Q

        if not user.is_authenticated or not user.is_active or user.role != "line_manager":
            return self.none()
        # The one current approver: whoever it is routed to now (escalation moves `approver`).
        mine = Q(approver=user)
        if user.agency_id:
            mine |= Q(approver__isnull=True, decision__agency_id=user.agency_id)
        return self.filter(mine).exclude(decision__owner=user)


class Approval(models.Model):
    class Purpose(models.TextChoices):
        APPROVAL = "approval", "Approval"
        ESCALATION = "escalation", "Escalation (decision still open)"

    class RoutedBy(models.TextChoices):
        LINE_MANAGER = "line_manager", "Line manager"
        DEPUTY = "deputy", "Deputy named by an administrator"
        AGENCY = "agency", "Any line manager of the agency"
        HANDED_OVER = "handed_over", "Handed over by a manager"

    class Mode(models.TextChoices):
        BEFORE_SHARING = "before_sharing", "Approval before sharing"
        AFTER_SHARING = "after_sharing", "Review after sharing"

    decision = models.OneToOneField("decisions.Decision", on_delete=models.PROTECT, related_name="approval")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.APPROVAL)
    mode = models.CharField(
        max_length=20, choices=Mode.choices, default=Mode.BEFORE_SHARING,
        help_text="Before sharing (the approver decides first) or after sharing (shared at once, reviewed).",
    )
    level = models.PositiveSmallIntegerField(
        default=0, help_text="How many times it has gone up to the next approver (a 'no' on serious harm, or overdue).",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="approvals_routed",
        help_text="Empty: any line manager of the decision's agency may act.",
    )
    routed_by = models.CharField(max_length=20, choices=RoutedBy.choices)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When it is due: the end of a working day (flowchart 1.2); emergencies only before 1.2.",
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="approvals_escalated",
    )
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="When it was found overdue.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["approver"]), models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for decision {self.decision_id}"

    @property
    def is_overdue(self) -> bool:

        return (
            self.due_at is not None and self.due_at < timezone.now()
            and self.decision.is_waiting
        )
