from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

DSL_ONLY_LINE_MANAGERS = "Only a line manager of an agency can be its designated safeguarding lead."


class User(AbstractUser):
    """A member of staff. What they may see and do follows from `role` and `agency`."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        LINE_MANAGER = "line_manager", "Line manager"
        PARTNERSHIP = "partnership", "Safeguarding partnership (LSCB)"
        TRAINER = "trainer", "Trainer"
        ADMIN = "admin", "Administrator"
        # Assesses possible personal data breaches for their agency (an approver disagreed after sharing).
        DATA_PROTECTION_OFFICER = "data_protection_officer", "Data protection officer"

    role = models.CharField(max_length=30, choices=Role.choices, default=Role.PRACTITIONER)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    line_manager = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="direct_reports"
    )
    deputy = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="deputy_for",
        help_text="The line manager who approves for this manager when they are away or not set.",
    )
    # Away today: kept in step with their away periods (AwayPeriod, isg/accounts/away.py) when one is
    # added or ended and every day by isg.approvals.handover.start_due_away_periods; never set by hand.
    # A column rather than a property so routing can filter on it (isg/approvals/services.py).
    is_away = models.BooleanField(
        "away today", default=False,
        help_text="Away today (leave, absence), from their away periods: approvals go to their deputy, else "
                  "another manager of the agency.",
    )
    is_partnership_lead = models.BooleanField(
        "partnership lead", default=False,
        help_text="Partnership (LSCB) staff only: may confirm or refuse a change that gives someone access to "
                  "case records, and is emailed when one is asked for (isg/accounts/access_changes.py).",
    )
    # The agency's designated safeguarding lead (schools and health name one; Keeping Children Safe in
    # Education, Working Together 2023): answers for every waiting item of their agency, so may hand any of
    # them to another approver (cover for absence), whoever it is routed to.
    is_designated_safeguarding_lead = models.BooleanField(
        "designated safeguarding lead", default=False,
        help_text="Line managers only: the agency's designated safeguarding lead. Sees every decision of the "
                  "agency waiting for approval or review, and may hand any of them to another approver.",
    )
    must_change_password = models.BooleanField(
        default=False,
        help_text="Set when someone else chose their password (an administrator, an invitation, manage.py "
                  "changepassword): until they choose their own, they reach only the change-password page.",
    )

    @classmethod
    def normalize_username(cls, username):
        """NFKC and lower-case (usernames.py): "Pat" and "pat" are one account."""
        from .usernames import normalise_username

        return normalise_username(username) if isinstance(username, str) else username

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.line_manager_id and self.line_manager_id == self.pk:
            errors["line_manager"] = "Nobody can be their own line manager."
        if self.deputy_id:
            if self.deputy_id == self.pk:
                errors["deputy"] = "Nobody can be their own deputy."
            elif self.deputy.role != self.Role.LINE_MANAGER:
                errors["deputy"] = "A deputy must be a line manager."
            elif (self.agency_id and self.deputy.agency_id != self.agency_id
                  and not settings.ISG_CROSS_AGENCY_LINE_MANAGEMENT):
                errors["deputy"] = "A deputy must be a line manager of the same agency."
        if self.is_partnership_lead and self.role != self.Role.PARTNERSHIP:
            errors["is_partnership_lead"] = "Only partnership (LSCB) staff can be the partnership lead."
        if self.is_designated_safeguarding_lead and (self.role != self.Role.LINE_MANAGER or not self.agency_id):
            errors["is_designated_safeguarding_lead"] = DSL_ONLY_LINE_MANAGERS
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def can_make_decisions(self) -> bool:
        return self.is_active and self.role in (self.Role.PRACTITIONER, self.Role.LINE_MANAGER)

    def is_away_on(self, day: datetime.date) -> bool:
        """Whether one of their away periods covers `day` (`is_away` is this for today, kept in a column)."""
        return self.away_periods.covering(day).exists()


class AwayPeriodQuerySet(models.QuerySet):
    def covering(self, day: datetime.date) -> AwayPeriodQuerySet:
        """Periods in force on `day`: started, not past their last day, not ended early before it."""
        return self.filter(
            Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day),
            Q(ended_on__isnull=True) | Q(ended_on__gt=day),
        )

    def current_or_coming(self, day: datetime.date) -> AwayPeriodQuerySet:
        """Periods in force on `day` or later: what a person page lists."""
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day), Q(ended_on__isnull=True) | Q(ended_on__gt=day),
        ).exclude(ended_on__isnull=False, ended_on__lte=models.F("starts_on"))


class AwayPeriod(models.Model):
    """A line manager away (leave, absence) from `starts_on` to `ends_on` (open when not known).

    While a period covers today their approvals go to their deputy, else their own line manager,
    else their agency's queue (isg/approvals/handover.py). Ending a period early sets `ended_on`,
    the first day they are back; the dates asked for are kept. Set by an administrator or by the
    manager themselves (isg/accounts/away.py, which also writes the audit events).
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="away_periods")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Their last day away; empty when not known.")
    reason = models.CharField(max_length=100, blank=True, help_text="Optional and short, such as “annual leave”.")
    set_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty when made by a migration or a command.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True, help_text="Ended early: the first day they are back.")
    ended_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = AwayPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="away_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"Away period {self.pk} of user {self.user_id}"

    @property
    def last_day(self) -> datetime.date | None:
        """The last day away as it now stands (ended early, or as planned; None when open)."""
        if self.ended_on is not None:
            return self.ended_on - datetime.timedelta(days=1)
        return self.ends_on


class AccessChange(models.Model):
    """A change to a person that would give access to case records, waiting for a second person.

    Making someone a line manager, partnership (LSCB) staff, an administrator or the partnership
    lead, moving a line manager to another agency, changing an email address (password reset links
    go there) or switching such an account on again takes effect only when another administrator
    (not the one who asked, nor the person changed) or the partnership lead confirms it
    (isg/accounts/access_changes.py). `changes` is {field: [now, asked for]}: role codes, ids,
    names and addresses; it stays here and never goes on the audit chain, which gets field names,
    codes and ids only.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_changes")
    changes = models.JSONField()
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="waiting"), name="one_waiting_access_change"),
        ]

    def __str__(self) -> str:
        return f"Access change {self.pk} for user {self.person_id}"


class Invitation(models.Model):
    """A one-time link to set up an account an administrator made (invitations.py).

    The link's token is never stored: only its SHA-256, made and mailed by the task worker. A link
    works once, until `expires_at`, and not after a newer invitation to the same person.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="invitations")
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Empty when invited by a command on the server.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True, help_text="A newer invitation replaced this one.")
    refused_at = models.DateTimeField(
        null=True, blank=True, help_text="When its link was first used after it stopped working (audited once).",
    )
    waits_for = models.ForeignKey(
        AccessChange, on_delete=models.PROTECT, null=True, blank=True, related_name="held_invitations",
        help_text="An account that would read case records: the link is sent only once a second person confirms.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for user {self.user_id}"


class PasswordResetRequest(models.Model):
    """One request for a reset link, kept a day for the rate limits (password_reset.py): per account
    (links actually sent) and per client address (every request). No address typed is kept."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Link sent"
        UNKNOWN = "unknown", "No account with a password has that address"
        THROTTLED_ACCOUNT = "throttled_account", "Refused: too many links for this account"
        THROTTLED_ADDRESS = "throttled_address", "Refused: too many requests from this client address"

    at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="reset_ip_idx"), models.Index(fields=["user", "at"],
                                                                                        name="reset_user_idx")]


class BackupCode(models.Model):
    """A one-time code that stands in for the authenticator app's (backup_codes.py). Only its hash is
    kept, made by the password hashers, so the codes cannot be read back."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
