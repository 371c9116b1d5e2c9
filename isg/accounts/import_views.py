"""Importing people from a CSV file (people_import.py): upload, check every row, then import and invite.

The file is read in memory and never written to disk: the upload page takes its own upload handler
(`MemoryOnlyUpload`, at most people_import.MAX_BYTES) instead of Django's, which writes big files to a
temporary file. Between the check and the import only the rows are kept, in the session, with a
one-time token; importing or starting again clears them.
"""

from __future__ import annotations

import io
import secrets

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from isg.lib.forms import ErrorSummaryMixin

from . import people_import
from .line_management import cross_agency_allowed

SESSION_KEY = "isg_people_import"
TOO_LARGE = f"The file must be smaller than {people_import.MAX_BYTES // 1024} KB: split it into several files"


class MemoryOnlyUpload(FileUploadHandler):
    """Keeps an uploaded file in memory, up to MAX_BYTES; a bigger one is dropped and the request marked."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.buffer.tell() + len(raw_data) > people_import.MAX_BYTES:
            self.request.isg_upload_too_large = True
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(self.buffer, self.field_name, self.file_name, self.content_type, file_size,
                                    self.charset, self.content_type_extra)


class UploadForm(ErrorSummaryMixin, forms.Form):
    first_radio_ids = {}

    file = forms.FileField(label="Upload a CSV file", error_messages={
        "required": "Choose a CSV file to upload", "empty": "The file is empty",
    })


@csrf_exempt  # so the upload handler can be swapped before the body is read; csrf_protect below checks the token
def upload(request: HttpRequest) -> HttpResponse:
    request.upload_handlers = [MemoryOnlyUpload(request)]
    return _upload(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest) -> HttpResponse:
    """The upload page: the columns explained, and the file; a file that cannot be read is refused here."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        request.session.pop(SESSION_KEY, None)
        if getattr(request, "isg_upload_too_large", False):
            form = UploadForm(request.POST, {})
            form.is_valid()  # the file was dropped: say why, rather than that none was chosen
            form.errors["file"] = form.error_class([TOO_LARGE])
        elif form.is_valid():
            parsed = people_import.read_csv(form.cleaned_data["file"].read())
            if parsed.problems:
                for problem in parsed.problems:
                    form.add_error("file", problem)
            else:
                request.session[SESSION_KEY] = {"token": secrets.token_urlsafe(16),
                                                "rows": [row.as_dict() for row in parsed.rows]}
                return redirect("people:import-check")
    return render(request, "accounts/people/import.html", {
        "form": form, "columns": people_import.COLUMNS, "max_kb": people_import.MAX_BYTES // 1024,
        "max_rows": people_import.MAX_ROWS, "cross_agency": cross_agency_allowed(),
    })


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Every row with its errors (check answers); with none, the button that imports and invites them all."""
    saved = request.session.get(SESSION_KEY)
    if not saved:
        messages.info(request, "Upload the file of people to import.")
        return redirect("people:import")
    rows = people_import.rows_from(saved["rows"])
    if request.method == "POST":
        if request.POST.get("token") != saved["token"]:
            messages.error(request, "That import was already done or replaced by another file. Check the list of people.")
            return redirect("people:list")
        try:
            made = people_import.import_people(rows=rows, invited_by=request.user)
        except people_import.ImportRefused:
            pass  # the rows now carry what is wrong; nothing was saved
        else:
            request.session.pop(SESSION_KEY, None)
            held = sum(not person.is_active for person in made)
            sent = len(made) - held
            text = f"{len(made)} {'person' if len(made) == 1 else 'people'} imported. "
            if sent:
                text += f"{sent} will get an email with a link to set up their account. "
            if held:
                text += (f"{held} {'has a role' if held == 1 else 'have roles'} that read case records or manage "
                         "people: their invitations are sent once another administrator or the partnership lead "
                         "confirms each.")
            messages.success(request, text.strip())
            return redirect("people:list")
    else:
        people_import.check_rows(rows)
    errors = [(f"Row {row.number}: {error}", f"#row-{row.number}") for row in rows for error in row.errors]
    return render(request, "accounts/people/import_check.html", {
        "rows": rows, "errors": errors, "token": saved["token"], "bad_rows": sum(1 for row in rows if row.errors),
    })
