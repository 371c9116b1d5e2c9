"""Importing people from a CSV file (isg/accounts/people_import.py, import_views.py): bad files and bad rows
explained row by row, nothing saved unless every row is right, then everyone invited; the file kept in
memory and the session only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from isg.accounts import people_import
from isg.accounts.import_views import SESSION_KEY
from isg.accounts.models import Invitation, User
from isg.audit.models import AuditEvent
from tests.accounts.helpers import post
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db
HEADER = "email,name,role,agency,line_manager_email,deputy_email\n"


@pytest.fixture
def org():
    north, south = make_agency(name="North agency", slug="north"), make_agency(name="South agency", slug="south")
    boss = make_manager(username="boss", agency=north, email="boss@north.example.org")
    admin = make_user(username="admin", role=User.Role.ADMIN, agency=None)
    return SimpleNamespace(north=north, south=south, boss=boss, admin=admin)


def checked(text: str | bytes):
    parsed = people_import.read_csv(text.encode("utf-8") if isinstance(text, str) else text)
    people_import.check_rows(parsed.rows)
    return parsed


def errors_of(parsed) -> dict[int, str]:
    return {row.number: " | ".join(row.errors) for row in parsed.rows if row.errors}


# -- the file as a whole ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, problem", [
    ("email,name,role,agency\nzoë@north.example.org,Zoë Ämtö,practitioner,North agency\n".encode("latin-1"),
     "not in UTF-8"),
    (b"\x00\x01binary", "not in UTF-8"),
    (b"", "The file is empty"),
    (b"email,name,role,agency\n", "a header row but nobody in it"),
    (b"email,name,role\nx@example.org,X,practitioner\n", "must name the column agency"),
    (b"email,name,role,agency,phone\nx@example.org,X,practitioner,North agency,123\n", "ISG does not know: phone"),
    (b"email,name,role,agency,email\nx@example.org,X,practitioner,North agency,y\n", "names email more than once"),
    (b'email,name,role,agency\n"x@example.org,X,practitioner,North agency\n', "could not be read as CSV"),
])
def test_a_file_that_cannot_be_read_is_refused_with_the_reason(org, data, problem):
    parsed = people_import.read_csv(data)
    assert parsed.rows == [] and problem in " ".join(parsed.problems)


def test_a_byte_order_mark_and_any_column_order_and_case_are_fine(org):
    parsed = checked("\ufeffRole,NAME,Email,Agency\nPractitioner,Zoë Ämtö,zoe@north.example.org,north agency\n"
                     .encode("utf-8"))
    assert parsed.ok and parsed.rows[0].name == "Zoë Ämtö"


def test_size_and_row_limits(org, monkeypatch):
    monkeypatch.setattr(people_import, "MAX_ROWS", 2)
    rows = "".join(f"p{n}@north.example.org,P {n},practitioner,North agency,,\n" for n in range(3))
    assert "at most 2 at a time" in people_import.read_csv((HEADER + rows).encode()).problems[0]
    monkeypatch.setattr(people_import, "MAX_BYTES", 10)
    assert "smaller than" in people_import.read_csv((HEADER + rows).encode()).problems[0]


# -- rows ------------------------------------------------------------------------------------------------


def test_each_bad_row_gets_its_own_reason(org):
    make_user(username="old", email="Taken@North.example.org", agency=org.north)
    make_user(username="practit", email="prac@north.example.org", agency=org.north)
    south_boss = make_manager(agency=org.south, email="sboss@south.example.org")
    assert south_boss
    parsed = checked(HEADER + "\n".join([
        "a@north.example.org,Ann A,practitioner,North agency,,",                 # 2 right
        "a@NORTH.example.org,Ann Again,practitioner,North agency,,",              # 3 twice in the file
        "taken@north.example.org,Tom Taken,practitioner,North agency,,",          # 4 already in ISG
        "b@north.example.org,Bea B,wizard,North agency,,",                        # 5 unknown role
        "c@north.example.org,Cy C,practitioner,Atlantis,,",                       # 6 unknown agency
        "d@north.example.org,Di D,practitioner,North agency,ghost@north.example.org,",  # 7 unknown manager
        "e@north.example.org,Ed E,practitioner,North agency,prac@north.example.org,",   # 8 not a manager
        "f@north.example.org,Flo F,practitioner,North agency,sboss@south.example.org,",  # 9 other agency
        "g@north.example.org,Gus G,practitioner,North agency,,boss@north.example.org",  # 10 deputy: managers only
        "not-an-address,Hal H,practitioner,North agency,,",                       # 11 bad address
        "i@north.example.org,,practitioner,North agency,,",                       # 12 no name
        "j@north.example.org,Jo <b>J</b>,practitioner,North agency,,",            # 13 markup
        "k@lscb.example.org,Kim K,partnership,North agency,,",                    # 14 LSCB with an agency
        "l@north.example.org,Lou L,practitioner",                                 # 15 too few values
        "m@north.example.org,Max M,practitioner,,,",                              # 16 no agency
    ]) + "\n")
    found = errors_of(parsed)
    assert 2 not in found
    for number, reason in {
        3: "also on row 2", 4: "already has an account", 5: "“wizard” is not a role", 6: "No agency in ISG is called",
        7: "Nobody in ISG or in this file has the address ghost@", 8: "line-manager role", 9: "same agency",
        10: "only line managers have a deputy", 11: "correct format", 12: "Enter their full name", 13: "markup",
        14: "Leave the agency empty", 15: "Row 15 has 3 values but the header has 6 columns",
        16: "Enter the agency they work for",
    }.items():
        assert reason in found.get(number, ""), (number, found.get(number))


def test_a_manager_later_in_the_file_is_fine_and_a_circle_is_an_error_on_each_row(org):
    parsed = checked(HEADER + "pat@north.example.org,Pat P,practitioner,North agency,mo@north.example.org,\n"
                              "mo@north.example.org,Mo M,line_manager,North agency,boss@north.example.org,\n")
    assert parsed.ok
    parsed = checked(HEADER + "x@north.example.org,X X,line_manager,North agency,y@north.example.org,\n"
                              "pat@north.example.org,Pat P,practitioner,North agency,x@north.example.org,\n"
                              "y@north.example.org,Y Y,line_manager,North agency,z@north.example.org,\n"
                              "z@north.example.org,Z Z,line_manager,North agency,x@north.example.org,\n")
    found = errors_of(parsed)
    assert set(found) == {2, 4, 5} and all("round in a circle: rows 2, 4 and 5" in found[n] for n in (2, 4, 5))


def test_cross_agency_managers_when_the_setting_allows(org, settings):
    settings.ISG_CROSS_AGENCY_LINE_MANAGEMENT = True
    assert checked(HEADER + "s@south.example.org,Sue S,practitioner,South agency,boss@north.example.org,\n").ok


# -- importing ---------------------------------------------------------------------------------------------


GOOD = HEADER + "\n".join([
    "pat@north.example.org,Pat Smith,practitioner,North agency,mo@north.example.org,",
    "mo@north.example.org,Mo Manager,Line manager,north,boss@north.example.org,dee@north.example.org",
    "dee@north.example.org,Dee Deputy,line_manager,North agency,boss@north.example.org,",
    "lee@lscb.example.org,Lee Jones,LSCB,,,",
]) + "\n"


def test_everyone_is_made_and_invited_in_one_go_with_managers_and_deputies(org):
    mail.outbox = []
    parsed = checked(GOOD)
    made = people_import.import_people(rows=parsed.rows, invited_by=org.admin)
    assert [u.email for u in made] == ["pat@north.example.org", "mo@north.example.org", "dee@north.example.org",
                                       "lee@lscb.example.org"]
    pat, mo, dee, lee = made
    assert pat.line_manager == mo and mo.line_manager == org.boss and mo.deputy == dee and dee.line_manager == org.boss
    assert lee.role == "partnership" and lee.agency is None and not lee.has_usable_password()
    # Only the practitioner's link goes now: managers and partnership staff wait for a second person.
    assert [m.to[0] for m in mail.outbox if "/accounts/invitation/" in m.body] == ["pat@north.example.org"]
    assert Invitation.objects.filter(invited_by=org.admin).count() == 4
    assert [u.is_active for u in made] == [True, False, False, False]
    assert all(u.access_changes.get().status == "waiting" for u in (mo, dee, lee))
    event = AuditEvent.objects.get(action="people_imported", subject_id=str(mo.pk))
    assert event.payload["changes"] == {"role": [None, "line_manager"], "agency": [None, org.north.pk],
                                        "line_manager": [None, org.boss.pk], "deputy": [None, dee.pk]}
    assert "Mo" not in str(event.payload)


def test_if_anything_became_wrong_before_the_import_nothing_is_saved(org):
    parsed = checked(GOOD)
    make_user(username="quick", email="lee@lscb.example.org", agency=None, role="trainer")
    mail.outbox = []
    with pytest.raises(people_import.ImportRefused):
        people_import.import_people(rows=parsed.rows, invited_by=org.admin)
    assert not User.objects.filter(email__endswith="north.example.org").exclude(pk=org.boss.pk).exists()
    assert mail.outbox == [] and not AuditEvent.objects.filter(action="people_imported").exists()
    assert "already has an account" in errors_of(parsed)[5]


# -- the pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_browser(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    client.get("/accounts/")
    return client


def upload(client, data: bytes, name: str = "people.csv"):
    token = client.cookies["csrftoken"].value
    return client.post("/admin-pages/people/import/", {"csrfmiddlewaretoken": token,
                                                       "file": SimpleUploadedFile(name, data, "text/csv")})


def test_upload_check_fix_and_import(admin_browser, org):
    bad = GOOD.replace("North agency,mo@", "Atlantis,mo@")
    response = upload(admin_browser, bad.encode())
    assert response.status_code == 302 and response["Location"] == "/admin-pages/people/import/check/"
    page = admin_browser.get("/admin-pages/people/import/check/").content.decode()
    assert "There is a problem" in page and 'href="#row-2"' in page and "Row 2: No agency in ISG is called" in page
    assert "Nothing has been saved" in page and "Import and invite" not in page
    assert not User.objects.filter(email="mo@north.example.org").exists()

    upload(admin_browser, GOOD.encode())
    page = admin_browser.get("/admin-pages/people/import/check/").content.decode()
    assert "Every row is right" in page and "Import and invite 4 people" in page
    token = admin_browser.session[SESSION_KEY]["token"]
    mail.outbox = []
    response = post(admin_browser, "/admin-pages/people/import/check/", {"token": token})
    assert response["Location"] == "/admin-pages/people/"
    assert User.objects.filter(email__in=["pat@north.example.org", "lee@lscb.example.org"]).count() == 2
    invited = [m for m in mail.outbox if "/accounts/invitation/" in m.body]
    assert len(invited) == 1 and SESSION_KEY not in admin_browser.session
    listed = admin_browser.get("/admin-pages/people/").content.decode()
    assert "4 people imported. 1 will get an email" in listed
    assert "3 have roles that read case records" in listed
    # The same token again (a second click, the Back button): nothing twice.
    again = post(admin_browser, "/admin-pages/people/import/check/", {"token": token})
    assert again["Location"] == "/admin-pages/people/import/" and User.objects.count() == 6


def test_a_file_that_cannot_be_read_stays_on_the_upload_page(admin_browser, org):
    page = upload(admin_browser, "email,name,role,agency\nzoë,Zoë,practitioner,North\n".encode("utf-16")) \
        .content.decode()
    assert "There is a problem" in page and "not in UTF-8" in page and 'href="#id_file"' in page
    assert SESSION_KEY not in admin_browser.session
    page = post(admin_browser, "/admin-pages/people/import/").content.decode()
    assert "Choose a CSV file to upload" in page


def test_the_file_is_never_written_to_disk_and_a_big_one_is_refused(admin_browser, org, monkeypatch):
    from django.core.files import uploadhandler

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "new_file", no_disk)
    monkeypatch.setattr(uploadhandler.TemporaryFileUploadHandler, "receive_data_chunk", no_disk)
    big = (HEADER + "x" * (people_import.MAX_BYTES + 10)).encode()
    page = upload(admin_browser, big).content.decode()
    assert "The file must be smaller than 512 KB" in page
    assert upload(admin_browser, GOOD.encode()).status_code == 302
    assert admin_browser.session[SESSION_KEY]["rows"][0]["email"] == "pat@north.example.org"


def test_the_check_page_without_an_upload_sends_back_to_the_upload(admin_browser):
    assert admin_browser.get("/admin-pages/people/import/check/")["Location"] == "/admin-pages/people/import/"


def test_only_administrators_import(org):
    client = Client()
    client.force_login(org.boss)
    assert client.get("/admin-pages/people/import/").status_code == 403
    assert client.get("/admin-pages/people/import/check/").status_code == 403


def test_a_data_protection_officer_may_be_imported_with_or_without_an_agency(org):
    parsed = checked(HEADER + "dpo@north.example.org,Dee Oh,data protection officer,North agency,,\n"
                              "dpo2@lscb.example.org,Ed Oh,dpo,,,\n")
    assert parsed.ok
    first, second = people_import.import_people(rows=parsed.rows, invited_by=org.admin)
    assert (first.role, first.agency, second.agency) == ("data_protection_officer", org.north, None)
