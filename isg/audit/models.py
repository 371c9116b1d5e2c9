from django.conf import settings
from django.db import models


class AppendOnly(TypeError):
    """The audit history is never changed or deleted, only added to."""

    def __init__(self) -> None:
        super().__init__("the audit history is append-only; add an event with isg.audit.services.append")


class AuditEventQuerySet(models.QuerySet):
    def for_subject(self, subject_type: str, subject_id: str) -> "AuditEventQuerySet":
        """One record's history, oldest first (e.g. `for_subject("decision", str(public_id))`)."""
        return self.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq")

    def update(self, **kwargs):
        raise AppendOnly

    def delete(self):
        raise AppendOnly

    def bulk_update(self, *args, **kwargs):
        raise AppendOnly

    def bulk_create(self, *args, **kwargs):
        raise AppendOnly  # rows are chained one at a time, under the chain lock, by services.append

    def update_or_create(self, *args, **kwargs):
        raise AppendOnly


class AuditEvent(models.Model):
    """One thing that happened, chained to the one before it (see isg/audit/chain.py for the hash).

    Rows are written only by `isg.audit.services.append`. The ORM refuses to change or delete
    them, and so do database triggers (migration 0002); `manage.py audit verify` recomputes the
    chain to show nothing was changed behind both.
    """

    class Action(models.TextChoices):
        ANSWERED = "answered", "Answered"
        CHANGED = "changed", "Answer changed"
        DROPPED = "dropped", "Answer no longer on the path"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for more information"
        APPROVED = "approved", "Approved"
        NOT_APPROVED = "not_approved", "Not approved"
        AMENDED = "amended", "Amended"
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        RETENTION_TOMBSTONE = "retention_tombstone", "Removed under the retention rules"
        # The rest of the decision history's kinds (isg.decisions.models.DecisionEvent.Kind): each
        # DecisionEvent is chained under its own kind (isg/decisions/history.py).
        STARTED = "started", "Started"
        URGENT = "urgent", "Urgent button pressed"
        RECORD_UPDATED = "record_updated", "Record details updated"
        SUPERSEDED = "superseded", "Restarted under a newer flowchart"
        RETURN_ANSWERED = "return_answered", "Question from the approver answered"
        RESUBMITTED = "resubmitted", "Resubmitted for approval"
        OVERDUE_ESCALATED = "overdue_escalated", "Approval overdue: escalated"
        ESCALATED = "escalated", "Escalated: still open"
        RESOLVED = "resolved", "Resolved by a follow-up decision"
        # Flowchart 1.2's approval (isg/approvals) and follow-ups (isg/followups).
        REFERRED_UP = "referred_up", "Not agreed: escalated to the next approver"
        REVIEW_AGREED = "review_agreed", "Agreed on review after sharing"
        REVIEW_DISAGREED = "review_disagreed", "Disagreed on review after sharing"
        FOLLOW_UP_OPENED = "follow_up_opened", "Follow-up opened"
        FOLLOW_UP_COMPLETED = "follow_up_completed", "Follow-up completed"
        FOLLOW_UP_MOVED = "follow_up_moved", "Follow-up due date moved"
        # The daily reminder (isg/approvals/digest.py): subject "user"; payload the day and counts only.
        DIGEST_SENT = "digest_sent", "Daily reminder sent"
        # Scheduled housekeeping (isg/housekeeping): subject "housekeeping", id the job's name; payload
        # the slot, the run's id, counts and an exception type only.
        HOUSEKEEPING_STARTED = "housekeeping_started", "Housekeeping job started"
        HOUSEKEEPING_FINISHED = "housekeeping_finished", "Housekeeping job finished"
        HOUSEKEEPING_FAILED = "housekeeping_failed", "Housekeeping job failed"
        # A legal hold (isg/retention/holds.py): subject "decision"; payload the hold's id and reason code.
        LEGAL_HOLD_PLACED = "legal_hold_placed", "Legal hold placed"
        LEGAL_HOLD_RELEASED = "legal_hold_released", "Legal hold released"
        # Single sign-on (isg/sso): subject "user" (or a hash of an identity with no account);
        # payload: ids and a reason code only.
        SSO_SIGNED_IN = "sso_signed_in", "Signed in with single sign-on"
        SSO_REFUSED = "sso_refused", "Single sign-on refused"
        # Second factor for local accounts (isg/accounts/two_factor.py): subject "user", payload ids only.
        OTP_VERIFIED = "otp_verified", "Second factor: code accepted"
        OTP_FAILED = "otp_failed", "Second factor: wrong code"
        OTP_DEVICE_SET_UP = "otp_device_set_up", "Second factor: authenticator app set up"
        OTP_DEVICE_REMOVED = "otp_device_removed", "Second factor: authenticator app removed"
        BACKUP_CODES_MADE = "backup_codes_made", "Second factor: backup codes made"
        BACKUP_CODE_USED = "backup_code_used", "Second factor: backup code used"
        # Accounts (isg/accounts): subject "user"; payload ids and reason codes, never a password,
        # a link's token or a code.
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_SENT = "password_reset_sent", "Password reset link sent"
        PASSWORD_RESET_THROTTLED = "password_reset_throttled", "Password reset refused: too many requests"
        INVITATION_SENT = "invitation_sent", "Invitation sent"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_REFUSED = "invitation_refused", "Invitation link refused: expired or already used"
        # Register searches (isg/register/services.py audit_search): subject "register", id the page
        # that ran it; payload: filter codes, the search words only as a keyed hash.
        SEARCHED = "searched", "Searched the decision register"
        # A waiting approval handed over to another approver (isg/approvals/handover.py): a decision
        # history kind (DecisionEvent.Kind.HANDED_OVER), chained like the others.
        HANDED_OVER = "handed_over", "Handed over to another approver"
        # A decision withdrawn by its owner before anything was shared (isg/approvals/withdrawal.py): a
        # decision history kind (DecisionEvent.Kind.WITHDRAWN), chained like the others.
        WITHDRAWN = "withdrawn", "Withdrawn: submitted in error"
        # A partnership officer's flag for audit or learning review, and its clearing (isg/reviews):
        # decision history kinds, chained like the others; the note stays on the event, never here.
        REVIEW_FLAGGED = "review_flagged", "Flagged for review"
        REVIEW_FLAG_CLEARED = "review_flag_cleared", "Review flag cleared"
        # What happened after the decision (isg/disclosures): decision history kinds, chained like the others.
        SHARE_RECORDED = "share_recorded", "Share recorded"
        SHARED_BEFORE_APPROVAL = "shared_before_approval", "Shared in an emergency before approval: to be reviewed"
        TELLING_RECORDED = "telling_recorded", "Recorded whether the person was told"
        # Administration (the People, Agencies and Organisations pages): subject "user", "agency" or
        # "organisation". Payload: field names, role codes, ids, dates and yes/no only; never a name,
        # an address or a reason typed, and never a password, a code or a key.
        PERSON_CHANGED = "person_changed", "Person's details changed"
        PERSON_DEACTIVATED = "person_deactivated", "Account switched off"
        PERSON_REACTIVATED = "person_reactivated", "Account switched on again"
        ACCESS_CHANGE_REQUESTED = "access_change_requested", "Change that gives access asked for"
        ACCESS_CHANGE_CONFIRMED = "access_change_confirmed", "Change that gives access confirmed"
        ACCESS_CHANGE_REFUSED = "access_change_refused", "Change that gives access refused"
        ACCESS_CHANGE_WITHDRAWN = "access_change_withdrawn", "Change that gives access withdrawn"
        AWAY_PERIOD_ADDED = "away_period_added", "Away period added"
        AWAY_PERIOD_ENDED = "away_period_ended", "Away period ended"
        AWAY_BEGAN = "away_began", "Away from today"
        AWAY_OVER = "away_over", "Back from being away"
        PEOPLE_IMPORTED = "people_imported", "People imported from a file"
        AGENCY_ADDED = "agency_added", "Agency added"
        AGENCY_CHANGED = "agency_changed", "Agency changed"
        ORGANISATION_ADDED = "organisation_added", "Organisation added to the directory"
        ORGANISATION_CHANGED = "organisation_changed", "Organisation in the directory changed"
        ORGANISATION_DEACTIVATED = "organisation_deactivated", "Organisation taken off the directory"
        ORGANISATION_REACTIVATED = "organisation_reactivated", "Organisation put back on the directory"

    # Unique: two writers that read the same chain head would both take head + 1, and the second
    # insert fails instead of forking the chain.
    seq = models.PositiveBigIntegerField(unique=True, help_text="1, 2, 3, ... with no gaps: the chain's order.")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty for events the system records on its own.",
    )
    # Not `choices=`: new actions should not need a migration. `append` checks against Action.
    action = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, help_text="Identifiers and codes only: no names or free text.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"], name="audit_subject_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_from_1"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"

    @property
    def action_label(self) -> str:
        return self.Action(self.action).label if self.action in self.Action.values else self.action

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise AppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly
