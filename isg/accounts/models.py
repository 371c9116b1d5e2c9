from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


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
    is_away = models.BooleanField(
        "away", default=False,
        help_text="Away (leave, absence): approvals go to their deputy, else another manager of the agency.",
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
            elif self.agency_id and self.deputy.agency_id != self.agency_id:
                errors["deputy"] = "A deputy must be a line manager of the same agency."
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def can_make_decisions(self) -> bool:
        return self.is_active and self.role in (self.Role.PRACTITIONER, self.Role.LINE_MANAGER)


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
