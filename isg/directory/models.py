"""The directory of organisations that decisions share information with.

    Organisation.objects.active()                      # the ones to offer, by name
    Organisation.objects.active().filter(kind=Organisation.Kind.POLICE)
    organisation.get_kind_display()                    # "Police"

An organisation is either a member agency of the partnership (`kind` member_agency, with `agency`
set: each Agency has exactly one) or another organisation (children's or adults' social care,
police, health, a school, a charity, housing, other). `secure_contact_routes` is plain text saying
how to send to them securely (a secure email address, a portal, a phone number). Organisations are
never deleted, only taken off the directory (`is_active`), so a decision that named one keeps it.
Administrators keep the directory (views.py; every change audited in services.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> OrganisationQuerySet:
        """On the directory now, by name."""
        return self.filter(is_active=True).order_by("name")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MEMBER_AGENCY = "member_agency", "Member agency of the partnership"
        CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
        ADULTS_SOCIAL_CARE = "adults_social_care", "Adults' social care"
        POLICE = "police", "Police"
        HEALTH = "health", "Health"
        SCHOOL = "school", "School or college"
        CHARITY_OR_VOLUNTARY = "charity_or_voluntary", "Charity or voluntary organisation"
        HOUSING = "housing", "Housing"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Member agencies only: the partnership's agency this is.",
    )
    secure_contact_routes = models.TextField(
        blank=True, help_text="How to send to them securely: a secure email address, a portal, a phone number.",
    )
    is_active = models.BooleanField("on the directory", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique"),
            models.UniqueConstraint(fields=["agency"], condition=Q(agency__isnull=False),
                                    name="one_organisation_per_agency"),
            models.CheckConstraint(
                condition=Q(kind="member_agency", agency__isnull=False) | (~Q(kind="member_agency") & Q(agency__isnull=True)),
                name="member_agencies_and_only_they_have_an_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.name
