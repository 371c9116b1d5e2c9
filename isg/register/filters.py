"""The register's filters: a form whose every value lives in the URL, and what it asks for.

Every value but the search words: those are POSTed and kept on the server, and the URL carries a
token for them (isg/register/search.py, DP-7). The form itself reads the words as `q`.

A value the form does not offer (a mistyped or out-of-date link, a hand-edited URL) is an error
the person is told about, never silently widened or narrowed: the register shows nothing until
the filter is corrected, so nobody reads a list that is not the one they asked for.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict

from isg.agencies.models import Agency
from isg.decisions.models import Decision
from isg.engine import Flowchart
from isg.flowchart.models import FlowchartVersion
from isg.flowchart.services import archived_flowcharts, version_key
from isg.lib.forms import ErrorSummaryMixin

MAX_SEARCH_LENGTH = 200
# Search words are kept on the server for a while (isg/register/search.py), never in the URL.
SEARCH_EXPIRED = "That search has expired or was not made by you: enter the search words again"
YES = "yes"
# What the register lists: every status a submitted decision can have (drafts are never listed).
LISTED_STATUSES = [
    (value, label) for value, label in Decision.Status.choices
    if value not in (Decision.Status.DRAFT, Decision.Status.SUPERSEDED)
]
DATE_PARTS = ("day", "month", "year")
DATES = {"from": "Submitted from", "to": "Submitted to"}
# The filter's parameters that live in the URL, in the form's order: everything but the search words.
URL_PARAMS = (
    *(f"{prefix}-{part}" for prefix in DATES for part in DATE_PARTS),
    "agency", "outcome", "status", "flag", "version", "emergency", "overdue", "review",
)


@dataclass(frozen=True)
class RegisterFilter:
    """What the reader asked for; empty parts match everything and the parts combine with AND."""

    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    agency: Agency | None = None
    outcome: str = ""
    status: str = ""
    emergency: bool = False
    overdue: bool = False
    review: bool = False  # only decisions with an open flag for audit or learning review (isg/reviews)
    version: str = ""
    flag: tuple[str, object] | None = None  # (state variable, value): ("consent_status", "refused")
    search: str = ""
    parts: dict = field(default_factory=dict, compare=False)  # label -> value, for "filtered by"

    @property
    def is_active(self) -> bool:
        return bool(self.parts)


def flag_choices(flowchart: Flowchart) -> list[tuple[str, list[tuple[str, str]]]]:
    """(variable label, [(variable:value, "variable: value"), ...]) for every state variable."""
    groups = []
    for name, values in flowchart.variables.items():
        label = name.replace("_", " ").capitalize()
        options = [("true", "yes"), ("false", "no")] if values is None else [(v, v.replace("_", " ")) for v in values]
        groups.append((label, [(f"{name}:{value}", f"{label}: {text}") for value, text in options]))
    return groups


def outcome_choices(flowchart: Flowchart) -> list[tuple[str, str]]:
    """The live flowchart's outcomes, then any outcome only an archived version had."""
    choices = [(o.id, o.title) for o in flowchart.outcomes]
    known = {value for value, _ in choices}
    for archived in archived_flowcharts().values():
        for outcome in archived.outcomes:
            if outcome.id not in known:
                known.add(outcome.id)
                choices.append((outcome.id, f"{outcome.title} (earlier flowchart)"))
    return choices


def version_choices(flowchart: Flowchart) -> list[tuple[str, str]]:
    versions = set(FlowchartVersion.objects.values_list("version", flat=True)) | {flowchart.version}
    return [(v, v) for v in sorted(versions, key=version_key, reverse=True)]


class DateParts:
    """A GOV.UK date input (`from-day`, `from-month`, `from-year`) read from the query string."""

    def __init__(self, data: QueryDict, prefix: str) -> None:
        self.prefix, self.label = prefix, DATES[prefix]
        self.values = {part: data.get(f"{prefix}-{part}", "").strip()[:10] for part in DATE_PARTS}
        self.error = ""
        self.bad_parts: tuple[str, ...] = ()
        self.date = self._parse()

    def _fail(self, message: str, parts: tuple[str, ...] = DATE_PARTS) -> None:
        self.error, self.bad_parts = message, parts

    def _parse(self) -> datetime.date | None:
        given = [part for part in DATE_PARTS if self.values[part]]
        if not given:
            return None
        missing = tuple(part for part in DATE_PARTS if part not in given)
        if missing:
            self._fail(f"{self.label} date must include a {' and '.join(missing)}", missing)
            return None
        if not all(self.values[part].isdigit() for part in DATE_PARTS):
            self._fail(f"{self.label} date must be a real date, in numbers, for example 27 3 2026")
            return None
        if len(self.values["year"]) != 4:
            self._fail(f"{self.label} year must include 4 numbers", ("year",))
            return None
        try:
            return datetime.date(*(int(self.values[part]) for part in ("year", "month", "day")))
        except ValueError:
            self._fail(f"{self.label} date must be a real date")
            return None

    @property
    def first_id(self) -> str:
        return f"{self.prefix}-{(self.bad_parts or DATE_PARTS)[0]}"


class RegisterFilterForm(ErrorSummaryMixin, forms.Form):
    q = forms.CharField(
        label="Search case references, summaries and reasons", required=False, max_length=MAX_SEARCH_LENGTH,
        error_messages={"max_length": f"Search must be {MAX_SEARCH_LENGTH} characters or fewer"},
    )
    agency = forms.ChoiceField(label="Agency", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False)
    status = forms.ChoiceField(label="Approval state", required=False)
    flag = forms.ChoiceField(label="Answer recorded in the decision", required=False)
    version = forms.ChoiceField(label="Flowchart version", required=False)
    emergency = forms.ChoiceField(label="Emergency shares only", required=False, choices=[("", ""), (YES, "Yes")])
    overdue = forms.ChoiceField(label="Overdue approvals and reviews only", required=False, choices=[("", ""), (YES, "Yes")])
    review = forms.ChoiceField(label="Flagged for review only", required=False, choices=[("", ""), (YES, "Yes")])

    def __init__(self, data: QueryDict, *, flowchart: Flowchart, search_expired: bool = False) -> None:
        super().__init__(data)
        self.flowchart = flowchart
        self.search_expired = search_expired  # the URL's search token no longer works (isg/register/search.py)
        self.dates = {prefix: DateParts(data, prefix) for prefix in DATES}
        self.agencies = {a.slug: a for a in Agency.objects.order_by("name")}
        choices = {
            "agency": [(slug, a.name) for slug, a in self.agencies.items()],
            "outcome": outcome_choices(flowchart),
            "status": LISTED_STATUSES,
            "flag": flag_choices(flowchart),
            "version": version_choices(flowchart),
        }
        for name, known in choices.items():
            self.fields[name].choices = [("", f"Any {self.fields[name].label.lower()}"), *known]
            self.fields[name].error_messages["invalid_choice"] = (
                f"There is no {self.fields[name].label.lower()} “%(value)s”: choose one from the list"
            )
        for name in ("emergency", "overdue", "review"):
            self.fields[name].error_messages["invalid_choice"] = f"“{self.fields[name].label}” can only be ticked or not"

    @property
    def selects(self):
        """(bound field, [(optgroup label or "", [(value, label), ...]), ...]) for each drop-down."""
        out = []
        for name in ("agency", "outcome", "status", "flag", "version"):
            groups, loose = [], []
            for value, label in self.fields[name].choices:
                if isinstance(label, list | tuple):
                    if loose:
                        groups.append(("", loose))
                        loose = []
                    groups.append((value, list(label)))
                else:
                    loose.append((value, label))
            if loose:
                groups.append(("", loose))
            out.append((self[name], groups))
        return out

    def clean(self):
        data = super().clean()
        if self.search_expired:
            self.add_error("q", SEARCH_EXPIRED)
        for date in self.dates.values():
            if date.error:
                self.add_error(None, date.error)
        start, end = self.dates["from"].date, self.dates["to"].date
        if start and end and end < start:
            self.dates["to"]._fail("Submitted to date must be the same as or after the submitted from date")
            self.add_error(None, self.dates["to"].error)
        return data

    @property
    def error_links(self) -> list[tuple[str, str]]:
        """Field errors, then each date's error linked to its first wrong box."""
        links = [(error, f"#{self[name].auto_id}") for name in self.fields for error in self.errors.get(name, [])]
        links += [(date.error, f"#{date.first_id}") for date in self.dates.values() if date.error]
        return links

    def register_filter(self) -> RegisterFilter:
        """The filter to apply; call only after `is_valid()` returned True."""
        data = self.cleaned_data
        flag = None
        if data.get("flag"):
            name, value = data["flag"].split(":", 1)
            flag = (name, value == "true") if self.flowchart.variables[name] is None else (name, value)
        parts = {}
        if data.get("q", "").strip():
            parts["Search"] = f"“{data['q'].strip()}”"
        for name in ("agency", "outcome", "status", "flag", "version"):
            if data.get(name):
                labels = dict(_flat(self.fields[name].choices))
                parts[self.fields[name].label] = labels.get(data[name], data[name])
        for name in ("emergency", "overdue", "review"):
            if data.get(name):
                parts[self.fields[name].label] = "yes"
        for date in self.dates.values():
            if date.date:
                parts[date.label] = date.date.strftime("%-d %B %Y")
        return RegisterFilter(
            submitted_from=self.dates["from"].date, submitted_to=self.dates["to"].date,
            agency=self.agencies.get(data.get("agency") or ""), outcome=data.get("outcome") or "",
            status=data.get("status") or "", emergency=data.get("emergency") == YES,
            overdue=data.get("overdue") == YES, review=data.get("review") == YES, version=data.get("version") or "", flag=flag,
            search=(data.get("q") or "").strip(), parts=parts,
        )


def _flat(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield value, label
