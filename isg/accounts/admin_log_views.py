"""/administration-log/: the administration log (admin_log.py), read-only, for partnership (LSCB) staff
and administrators. Filtered by person and dates in the query string; 50 a page."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from isg.lib.date_input import DateInputField
from isg.lib.forms import ErrorSummaryMixin

from . import admin_log
from .models import User

PAGE_SIZE = 50


class LogFilterForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {"since": "id_since_day", "until": "id_until_day"}

    person = forms.ModelChoiceField(User.objects.none(), required=False, label="Person", empty_label="Anyone",
                                    help_text="Changes to them, and changes they made.")
    since = DateInputField(label="From", error_label="The from date", required=False)
    until = DateInputField(label="To", error_label="The to date", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.order_by("first_name", "last_name", "username")
        self.fields["person"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The to date must be the same as or after the from date")
        return cleaned


@require_GET
def log(request: HttpRequest) -> HttpResponse:
    form = LogFilterForm(request.GET or None)
    wanted = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and form.errors:
        page, found = None, []
    else:
        events = admin_log.events(person=wanted.get("person"), since=wanted.get("since"), until=wanted.get("until"))
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        found = admin_log.entries(list(page))
    return render(request, "accounts/admin_log.html", {"form": form, "page": page, "entries": found,
                                                       "filtered": bool(wanted and any(wanted.values()))})
