"""Django's admin, kept for technical superusers made on the server (`createsuperuser`). The
administrator role uses ISG's own People, Agencies and Organisations pages instead (people_views.py),
which audit every change, hand approvals over and ask a second person for changes that give access;
this admin is not linked from them.

It never shows case content: no decision model is registered (see tests/access/test_admin.py), and
nothing that could list decisions (a delete confirmation names every protected record) is offered.
"Away" follows away periods and the partnership lead changes only with a second person's
confirmation, so both are read-only here."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from .admin_forms import PersonAddForm, PersonChangeForm
from .forms import AdminLoginForm
from .models import User
from .passwords import password_changed_by_owner, password_set_by_administrator
from .two_factor_admin import reset_second_factor  # second factor: also replaces django-otp's device admin


@admin.action(description="Send a new invitation (to people invited who have not set up their account)")
def resend_invitation(modeladmin, request, queryset) -> None:
    from django.core.exceptions import ValidationError

    from .invitations import invitation_resend

    sent = 0
    for user in queryset:
        try:
            invitation_resend(user=user, invited_by=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            sent += 1
    if sent:
        modeladmin.message_user(request, f"New invitation sent to {sent} {'person' if sent == 1 else 'people'}. "
                                         "Their earlier links no longer work.", messages.SUCCESS)


@admin.register(User)
class IsgUserAdmin(UserAdmin):
    form = PersonChangeForm  # usernames normalised and checked for look-alikes; names as plain text
    add_form = PersonAddForm
    list_display = ["username", "first_name", "last_name", "role", "agency", "line_manager", "deputy", "is_away", "is_active"]
    list_filter = ["role", "agency", "is_away", "is_active"]
    list_select_related = ["agency", "line_manager", "deputy"]
    fieldsets = [*UserAdmin.fieldsets, ("ISG", {"fields": ["role", "agency", "line_manager", "deputy", "is_away",
                                                            "is_partnership_lead", "is_designated_safeguarding_lead",
                                                            "must_change_password"]})]
    # Each gives access to case records: changed on ISG's People pages, where a second person confirms.
    readonly_fields = ["is_away", "is_partnership_lead", "is_designated_safeguarding_lead"]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("ISG", {"fields": ["role", "agency", "line_manager"]})]
    actions = [reset_second_factor, resend_invitation]  # a lost phone: audited, ends their sessions (two_factor_admin.py)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only line managers can be someone's line manager or a manager's deputy.
        if db_field.name in ("line_manager", "deputy"):
            kwargs["queryset"] = User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            # "Add user" with a password the administrator typed: it is theirs, not the person's.
            password_set_by_administrator(user=obj, actor=request.user, by="admin")

    def user_change_password(self, request, id, form_url=""):
        # "Set password": Django's page, then the person must choose their own at the next sign-in.
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and before is not None and user.password != before:
            if user.pk == request.user.pk:
                password_changed_by_owner(user=user, by="self")  # their own, typed by themselves
            else:
                password_set_by_administrator(user=user, actor=request.user, by="admin")
        return response

    def has_delete_permission(self, request, obj=None) -> bool:
        # People are deactivated, never deleted: their decisions and history must keep naming them,
        # and Django's delete page would list those decisions (case references) to an administrator.
        return False


# The admin's sign-in page gets the same username limit and per-account slow-down as ISG's own.
admin.site.login_form = AdminLoginForm
