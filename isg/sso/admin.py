from django.contrib import admin

from .models import SSOIdentity


@admin.register(SSOIdentity)
class SSOIdentityAdmin(admin.ModelAdmin):
    """Read-only: identities are made by signing in. Deleting one makes the next sign-in a new account."""

    list_display = ("user", "issuer", "created_at", "last_login_at")
    search_fields = ("user__username", "subject")
    readonly_fields = ("user", "issuer", "subject", "created_at", "last_login_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
