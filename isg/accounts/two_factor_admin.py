"""The second factor in the Django admin: administrators reset it (a lost phone is not a dead end)
and see who has one, but never a key or a QR code.

django-otp's own TOTPDevice admin shows each key and its QR code to anyone who may change devices, and
lets devices be added by hand; it is replaced by a list that only shows and resets. Every reset goes
through `two_factor.remove`, so it is in the audit chain and ends the person's sessions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django_otp.plugins.otp_totp import admin as otp_totp_admin  # noqa: F401  registers its admin first
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor


@admin.action(description="Reset second factor (they set up a new authenticator app at their next sign-in)")
def reset_second_factor(modeladmin, request, queryset) -> None:
    reset = 0
    for user in queryset:
        if two_factor.remove(user, actor=request.user, by="admin"):
            reset += 1
    if reset:
        modeladmin.message_user(request, f"Second factor reset for {reset} {'person' if reset == 1 else 'people'}. "
                                         "They have been signed out everywhere.", messages.SUCCESS)
    else:
        modeladmin.message_user(request, "None of them had a second factor set up.", messages.WARNING)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = fields
    actions = ["reset_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # people set up their own app; nobody else should ever see its key

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # Django's delete would skip the audit: the action below resets instead

    @admin.action(description="Reset second factor of the selected devices' owners", permissions=["view"])
    def reset_selected(self, request, queryset) -> None:
        owners = {device.user for device in queryset.select_related("user")}
        reset_second_factor(self, request, owners)
