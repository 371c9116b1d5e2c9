"""People pages for administrators. For now one: invite someone (invitations.py does the work).

The fuller People pages (a list, resending, switching accounts off) are to come here too, under
/admin-pages/people/, each with its row in isg/access/rules.py for the administrator role only.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from isg.agencies.models import Agency
from isg.lib.forms import ErrorSummaryMixin, PlainTextField

from . import invitations
from .models import User


class InviteForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {}

    name = PlainTextField(one_line=True, label="Full name", max_length=300,
                          error_messages={"required": "Enter their full name"})
    email = forms.EmailField(label="Work email address", max_length=254, help_text="We will email the invitation here.",
                             error_messages={"required": "Enter their work email address",
                                             "invalid": "Enter an email address in the correct format, like name@example.org"})
    role = forms.ChoiceField(label="Role", choices=User.Role.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose their role"})
    agency = forms.ModelChoiceField(
        Agency.objects.order_by("name"), required=False, label="Agency", empty_label="Choose an agency",
        help_text="For practitioners and line managers: the agency they work for.",
    )
    line_manager = forms.ModelChoiceField(
        User.objects.filter(role=User.Role.LINE_MANAGER, is_active=True).select_related("agency").order_by("username"),
        required=False, label="Line manager", empty_label="None yet",
        help_text="For practitioners and line managers: a line manager of the same agency.",
    )
    username = forms.CharField(
        label="Username", required=False, max_length=150,
        help_text="They sign in with this. Leave it empty to use the part of their email address before the @.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_manager"].label_from_instance = (
            lambda u: f"{u.display_name} ({u.username}, {u.agency or 'no agency'})"
        )


@require_http_methods(["GET", "POST"])
def invite_person(request: HttpRequest) -> HttpResponse:
    """“Invite someone”: the administrator gives a name, an address and a role; the person chooses
    their own password through the emailed link."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invite(
                email=data["email"], name=data["name"], role=data["role"], agency=data["agency"],
                line_manager=data["line_manager"], invited_by=request.user, username=data["username"] or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            hours = round(invitations.expiry().total_seconds() / 3600)
            messages.success(request, f"Invitation sent to {invitation.user.email} (username "
                                      f"{invitation.user.username}). The link in it works for {hours} hours.")
            return redirect("people:invite")
    return render(request, "accounts/people/invite.html", {"form": form})
