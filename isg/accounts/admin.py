from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import AdminLoginForm
from .models import User


@admin.register(User)
class IsgUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "agency", "is_active"]
    list_filter = ["role", "agency", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("ISG", {"fields": ["role", "agency", "line_manager"]})]


# The admin's sign-in page gets the same username limit and per-account slow-down as ISG's own.
admin.site.login_form = AdminLoginForm
