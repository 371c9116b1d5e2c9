from django.conf import settings
from django.db import models


class SSOIdentity(models.Model):
    """Who a user is at the identity provider: the (issuer, subject) pair of their ID token.

    The only way single sign-on finds an ISG account. Never matched by email or username, which a
    provider may reassign or let users choose: a match on those would hand over a local account.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity")
    issuer = models.CharField(max_length=255, help_text="The provider's issuer URL (the ID token's `iss`).")
    subject = models.CharField(max_length=255, help_text="The provider's stable id for the person (`sub`).")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"
