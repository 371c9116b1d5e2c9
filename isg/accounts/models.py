from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A member of staff. What they may see and do follows from `role` and `agency`."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        LINE_MANAGER = "line_manager", "Line manager"
        PARTNERSHIP = "partnership", "Safeguarding partnership (LSCB)"
        TRAINER = "trainer", "Trainer"
        ADMIN = "admin", "Administrator"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="staff")
    line_manager = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="direct_reports"
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def can_make_decisions(self) -> bool:
        return self.is_active and self.role in (self.Role.PRACTITIONER, self.Role.LINE_MANAGER)
