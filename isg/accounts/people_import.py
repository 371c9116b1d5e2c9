"""Importing people from a CSV file: read it, check every row, then invite everyone or no one.

    parsed = read_csv(data)            # the file as rows, or what is wrong with the file itself
    check_rows(parsed.rows)            # each row's errors, against ISG and against the rest of the file
    import_people(rows=parsed.rows, invited_by=admin)   # one transaction: everyone, or nothing

The columns (a header row names them, in any order, any case): email, name, role, agency, and
optionally line_manager_email and deputy_email. Role is a role's code or name ("line_manager",
"Line manager", "LSCB"); agency an agency's name or short name (slug). A line manager or deputy is
named by email address: someone in ISG already, or another row of the same file, even a later one.

The file must be UTF-8 (a byte-order mark, as Excel writes, is fine), at most MAX_BYTES and MAX_ROWS
rows. Nothing is saved unless every row is right; then each person is invited (invitations.py: the
worker emails each a link), and each gets a `people_imported` event on the audit chain with their
role, agency, line manager and deputy as codes and ids.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from isg.agencies.models import Agency
from isg.audit import services as audit
from isg.audit.models import AuditEvent
from isg.lib.text import validate_one_line_plain_text

from . import invitations
from .line_management import AGENCY_ROLES, OPTIONAL_AGENCY_ROLES, check_line_manager, cross_agency_allowed
from .models import User
from .usernames import normalise_username, scripts_of

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
REQUIRED = ("email", "name", "role", "agency")
OPTIONAL = ("line_manager_email", "deputy_email")
COLUMNS = REQUIRED + OPTIONAL
ROLE_WORDS = {
    **{value: value for value in User.Role.values},
    **{label.lower(): value for value, label in User.Role.choices},
    "line manager": User.Role.LINE_MANAGER, "lscb": User.Role.PARTNERSHIP, "administrator": User.Role.ADMIN,
    "data protection officer": User.Role.DATA_PROTECTION_OFFICER, "dpo": User.Role.DATA_PROTECTION_OFFICER,
}
NOT_UTF8 = ("The file is not in UTF-8, so its letters cannot be read reliably. Save it again as “CSV UTF-8 (comma "
            "delimited)” (in Excel: File, Save As) and upload that")


@dataclass
class Row:
    """One person in the file, as typed; `errors` once checked."""

    number: int  # the row in a spreadsheet: the header is row 1
    email: str
    name: str
    role: str
    agency: str
    line_manager_email: str = ""
    deputy_email: str = ""
    shape: str = ""  # a problem reading the row itself (too few or many values), kept with it
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.email.lower()

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "errors"}


@dataclass
class Parsed:
    rows: list[Row]
    problems: list[str]  # about the file as a whole: nothing can be checked row by row

    @property
    def ok(self) -> bool:
        return not self.problems and all(not row.errors for row in self.rows)


# -- reading -----------------------------------------------------------------------------------------


def read_csv(data: bytes) -> Parsed:
    """The rows of an uploaded file, or the problems with the file itself (encoding, size, header)."""
    if len(data) > MAX_BYTES:
        return Parsed([], [f"The file must be smaller than {MAX_BYTES // 1024} KB: split it into several files"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed([], [NOT_UTF8])
    if "\x00" in text:
        return Parsed([], [NOT_UTF8])
    if not text.strip():
        return Parsed([], ["The file is empty"])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [record for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as error:
        return Parsed([], [f"The file could not be read as CSV near line {reader.line_num} ({error}): check its quotes"])
    header = [cell.strip().lower() for cell in records[0]]
    problems = _header_problems(header)
    if problems:
        return Parsed([], problems)
    if len(records) == 1:
        return Parsed([], ["The file has a header row but nobody in it"])
    if len(records) - 1 > MAX_ROWS:
        return Parsed([], [f"The file has {len(records) - 1} people: import at most {MAX_ROWS} at a time"])
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
        row = Row(number=number, **values)
        if len(record) != len(header):
            row.shape = f"Row {number} has {len(record)} values but the header has {len(header)} columns"
        rows.append(row)
    return Parsed(rows, [])


def _header_problems(header: list[str]) -> list[str]:
    problems = []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        problems.append(f"The header row must name the column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}: the columns are {', '.join(COLUMNS)}")
    extra = [name or "(empty)" for name in header if name not in COLUMNS]
    if extra:
        problems.append(f"The file has column{'s' if len(extra) > 1 else ''} ISG does not know: {', '.join(extra)}. "
                        f"The columns are {', '.join(COLUMNS)}")
    twice = sorted({name for name in header if header.count(name) > 1 and name in COLUMNS})
    if twice:
        problems.append(f"The header names {', '.join(twice)} more than once")
    return problems


def rows_from(saved: list[dict[str, Any]]) -> list[Row]:
    """Rows kept in the session between the check and the import (never the file itself)."""
    return [Row(**values) for values in saved]


# -- checking ----------------------------------------------------------------------------------------


@dataclass
class _Resolved:
    role: str | None = None
    agency: Agency | None = None


def check_rows(rows: list[Row]) -> None:
    """Set each row's `errors` (after any the reading found): the row on its own, against the people in
    ISG, and against the other rows (addresses twice, managers in the file, circles)."""
    for row in rows:
        row.errors = [row.shape] if row.shape else []
    agencies = _agencies()
    by_email: dict[str, Row] = {}
    for row in rows:
        if row.key and row.key not in by_email:
            by_email[row.key] = row
    existing = {u.email.lower(): u for u in User.objects.annotate(address=Lower("email")).filter(
        address__in=_emails(rows)).select_related("agency")}
    resolved = {row.number: _check_own(row, agencies, by_email, existing) for row in rows}
    for row in rows:
        _check_references(row, resolved, by_email, existing)
    for circle in _circles(rows, by_email):
        numbers = ", ".join(str(r.number) for r in circle[:-1]) + f" and {circle[-1].number}"
        for row in circle:
            row.errors.append(f"Line management goes round in a circle: rows {numbers}")


def _emails(rows: list[Row]) -> set[str]:
    """Every address the rows name, lower-case (addresses are compared without case)."""
    wanted = set()
    for row in rows:
        wanted |= {e.lower() for e in (row.email, row.line_manager_email, row.deputy_email) if e}
    return wanted


def _agencies() -> dict[str, Agency]:
    found = {}
    for agency in Agency.objects.all():
        found[agency.slug.lower()] = agency
        found[agency.name.strip().lower()] = agency
    return found


def _check_own(row: Row, agencies, by_email, existing) -> _Resolved:
    resolved = _Resolved()
    if not row.email:
        row.errors.append("Enter their email address")
    else:
        try:
            validate_one_line_plain_text(row.email)
            validate_email(BaseUserManager.normalize_email(row.email))
        except ValidationError:
            row.errors.append(f"“{row.email}” is not an email address in the correct format, like name@example.org")
        else:
            if by_email.get(row.key) is not row:
                row.errors.append(f"{row.email} is also on row {by_email[row.key].number}: each person once")
            elif row.key in existing:
                row.errors.append(f"{row.email} already has an account in ISG")
            elif len(scripts_of(normalise_username(row.email.rsplit("@", 1)[0]))) > 1:
                row.errors.append("The part of the address before the @ mixes letters from different alphabets")
    _check_name(row)
    role = ROLE_WORDS.get(" ".join(row.role.lower().split()))
    if role is None:
        roles = ", ".join(User.Role.values[:-1]) + f" or {User.Role.values[-1]}"
        row.errors.append(f"“{row.role}” is not a role: use {roles}" if row.role else f"Enter their role: {roles}")
        return resolved
    resolved.role = role
    if role in AGENCY_ROLES or (role in OPTIONAL_AGENCY_ROLES and row.agency):
        agency = agencies.get(" ".join(row.agency.lower().split()))
        if agency is None:
            row.errors.append(f"No agency in ISG is called “{row.agency}”: use an agency's name as it is on the "
                              "Agencies page" if row.agency else "Enter the agency they work for")
        resolved.agency = agency
    elif row.agency:
        row.errors.append(f"Leave the agency empty: {User.Role(role).label.lower()} staff do not belong to an agency")
    return resolved


def _check_name(row: Row) -> None:
    if not row.name:
        row.errors.append("Enter their full name")
        return
    try:
        validate_one_line_plain_text(row.name)
    except ValidationError as error:
        row.errors.extend(error.messages)
        return
    first, last = invitations.split_name(row.name)
    if max(len(first), len(last)) > invitations.NAME_MAX_LENGTH:
        row.errors.append(f"Their name must be {invitations.NAME_MAX_LENGTH} characters or fewer")


def _check_references(row: Row, resolved: dict[int, _Resolved], by_email, existing) -> None:
    mine = resolved[row.number]
    if mine.role is None:
        return
    for column, what in (("line_manager_email", "line manager"), ("deputy_email", "deputy")):
        address = getattr(row, column)
        if not address:
            continue
        if what == "line manager" and mine.role not in AGENCY_ROLES:
            row.errors.append("Leave line_manager_email empty: only practitioners and line managers have a line manager")
            continue
        if what == "deputy" and mine.role != User.Role.LINE_MANAGER:
            row.errors.append("Leave deputy_email empty: only line managers have a deputy")
            continue
        if address.lower() == row.key:
            row.errors.append(f"Nobody can be their own {what}")
            continue
        agency_id = mine.agency.pk if mine.agency else None
        if address.lower() in existing:
            try:
                check_line_manager(existing[address.lower()], person_pk=None, agency_id=agency_id)
            except ValidationError as error:
                row.errors.append(f"Their {what} {address}: {error.messages[0]}")
            continue
        other = by_email.get(address.lower())
        if other is None:
            row.errors.append(f"Nobody in ISG or in this file has the address {address} given as their {what}")
            continue
        theirs = resolved[other.number]
        if theirs.role != User.Role.LINE_MANAGER:
            row.errors.append(f"Their {what} {address} (row {other.number}) must have the role line_manager")
        elif agency_id is not None and theirs.agency is not None and theirs.agency.pk != agency_id \
                and not cross_agency_allowed():
            row.errors.append(f"Their {what} {address} (row {other.number}) works for another agency: a {what} "
                              "must work for the same agency")


def _circles(rows: list[Row], by_email) -> list[list[Row]]:
    """Each circle of line management within the file, once, in file order."""
    found, seen = [], set()
    for row in rows:
        path, current = [], row
        while current is not None and current.number not in seen and current not in path:
            path.append(current)
            current = by_email.get(current.line_manager_email.lower()) if current.line_manager_email else None
        if current is not None and current in path:
            circle = path[path.index(current):]
            found.append(sorted(circle, key=lambda r: r.number))
        seen.update(r.number for r in path)
    return found


# -- importing ---------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """Some rows are (now) wrong: nothing was saved. The rows carry their errors."""

    def __init__(self, rows: list[Row]) -> None:
        super().__init__("rows with errors")
        self.rows = rows


def import_people(*, rows: list[Row], invited_by: User) -> list[User]:
    """Make and invite everyone in `rows`, in one transaction, after checking them all again.

    Raises ImportRefused (nothing saved) if any row is wrong now. Line managers in the file are made
    before the people they manage; deputies are named once everyone exists.
    """
    check_rows(rows)
    if any(row.errors for row in rows):
        raise ImportRefused(rows)
    batch = secrets.token_hex(6)
    made: dict[str, User] = {}
    agencies = _agencies()
    with transaction.atomic():
        for row in _managers_first(rows):
            made[row.key] = _invite(row, agencies, made, invited_by)
        for row in rows:
            if row.deputy_email:
                person = made[row.key]
                person.deputy = made.get(row.deputy_email.lower()) or _manager(row.deputy_email)
                person.save(update_fields=["deputy"])
        for row in rows:
            person = made[row.key]
            audit.append(actor=invited_by, action=AuditEvent.Action.PEOPLE_IMPORTED, subject_type="user",
                         subject_id=str(person.pk), payload={"import": batch, "changes": {
                             "role": [None, person.role], "agency": [None, person.agency_id],
                             "line_manager": [None, person.line_manager_id], "deputy": [None, person.deputy_id],
                         }})
    return [made[row.key] for row in rows]


def _invite(row: Row, agencies, made: dict[str, User], invited_by: User) -> User:
    role = ROLE_WORDS[" ".join(row.role.lower().split())]
    agency = agencies.get(" ".join(row.agency.lower().split())) if role in AGENCY_ROLES | OPTIONAL_AGENCY_ROLES else None
    manager = None
    if row.line_manager_email:
        manager = made.get(row.line_manager_email.lower()) or _manager(row.line_manager_email)
    try:
        invitation = invitations.invite(email=row.email, name=row.name, role=role, agency=agency,
                                        line_manager=manager, invited_by=invited_by)
    except ValidationError as error:
        row.errors.extend(error.messages)
        raise ImportRefused([row]) from None
    return invitation.user


def _manager(address: str) -> User | None:
    return User.objects.filter(email__iexact=address, role=User.Role.LINE_MANAGER, is_active=True).first()


def _managers_first(rows: list[Row]) -> list[Row]:
    """Rows ordered so that anyone's line manager from the file comes before them (no circles: checked)."""
    by_email = {row.key: row for row in rows}
    ordered, placed = [], set()

    def place(row: Row) -> None:
        if row.key in placed:
            return
        manager = by_email.get(row.line_manager_email.lower()) if row.line_manager_email else None
        if manager is not None:
            place(manager)
        placed.add(row.key)
        ordered.append(row)

    for row in rows:
        place(row)
    return ordered
