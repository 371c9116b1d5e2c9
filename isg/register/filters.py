"""The register's filters: a form whose every value lives in the URL, and what it asks for.

Every value but the search words: those are POSTed and kept on the server, and the URL carries a
token for them (isg/register/search.py, DP-7). The form itself reads the words as `q`.

The questions an audit asks combine: "every share without consent by these two agencies, submitted
last quarter, that the approver decided late". So agencies, approval states and answers are each a
set of ticks (any of them), the parts combine with AND, and two answers to the same question mean
either (consent refused, or consent not sought as unsafe). Submitted and approved dates each take
a period (this quarter, last quarter, this or last financial year, worked out in UK time from
`timezone.now`) or their own from/to dates.

A value the form does not offer (a mistyped or out-of-date link, a hand-edited URL) is an error
the person is told about, never silently widened or narrowed: the register shows nothing until
the filter is corrected, so nobody reads a list that is not the one they asked for.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django import forms
from django.http import QueryDict
from django.utils import timezone

from isg.agencies.models import Agency
from isg.decisions.models import Decision
from isg.directory.models import Organisation
from isg.engine import Flowchart
from isg.flowchart.labels import state_label, state_labels
from isg.flowchart.models import FlowchartVersion
from isg.flowchart.services import archived_flowcharts, version_key
from isg.lib.forms import ErrorSummaryMixin

MAX_SEARCH_LENGTH = 200
# Search words are kept on the server for a while (isg/register/search.py), never in the URL.
SEARCH_EXPIRED = "That search has expired or was not made by you: enter the search words again"
YES = "yes"
UK_TIME = ZoneInfo("Europe/London")
# Statuses a submitted decision never has: the register lists every other status the model has,
# so a status added to Decision.Status (say, withdrawn) is offered without a change here.
NOT_LISTED = (Decision.Status.DRAFT, Decision.Status.SUPERSEDED)


def listed_statuses() -> list[tuple[str, str]]:
    return [(value, label) for value, label in Decision.Status.choices if value not in NOT_LISTED]


LISTED_STATUSES = listed_statuses()
DATE_PARTS = ("day", "month", "year")
# The two date ranges: (name, what it dates, the period's URL parameter, the from and to prefixes).
RANGES = (
    ("submitted", "Submitted", "period", "from", "to"),
    ("approved", "Approver decided", "approved-period", "approved-from", "approved-to"),
)
DATES = {
    "from": "Submitted from", "to": "Submitted to",
    "approved-from": "Approver decided from", "approved-to": "Approver decided to",
}
PERIODS = [
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("this_financial_year", "This financial year (from 1 April)"),
    ("last_financial_year", "Last financial year"),
]
# "Took longer than": hours from the request for approval to the approver's decision.
TOOK = [("8", "8 hours"), ("24", "1 day (24 hours)"), ("48", "2 days (48 hours)"), ("168", "A week")]
RECIPIENT_VARIABLE = "recipient_kind"
# "Shared with (organisation)": the directory's organisations by id, and this for a share recorded
# to another organisation the practitioner named (isg/disclosures: a Share with no organisation).
SHARED_WITH = "shared-with"
ANOTHER_ORGANISATION = "another"
CHECKBOXES = ("emergency", "overdue", "late", "followups", "review")
# "Where it stands now": the dashboard's four groups, in its words, each decision in exactly one
# (isg/register/services.py position_q says which), so each of the dashboard's groups has a link.
POSITIONS = [
    ("shared", "Shared"),
    ("waiting", "Waiting for approval or review"),
    ("not_approved", "Not approved"),
    ("other", "Not shared, returned or still open"),
]
# The filter's parameters that live in the URL, in the form's order: everything but the search words.
URL_PARAMS = (
    "period", *(f"{prefix}-{part}" for prefix in ("from", "to") for part in DATE_PARTS),
    "approved-period", *(f"{prefix}-{part}" for prefix in ("approved-from", "approved-to") for part in DATE_PARTS),
    "agency", "outcome", "position", "status", "flag", "recipient", SHARED_WITH, "took", "version", *CHECKBOXES,
)


@dataclass(frozen=True)
class RegisterFilter:
    """What the reader asked for; empty parts match everything and the parts combine with AND."""

    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None
    approved_from: datetime.date | None = None
    approved_to: datetime.date | None = None
    agencies: tuple[Agency, ...] = ()
    outcome: str = ""
    position: str = ""  # one of POSITIONS: shared, waiting, not approved, or none of those
    statuses: tuple[str, ...] = ()
    emergency: bool = False
    overdue: bool = False
    approved_late: bool = False  # the approver decided after the approval was due
    took_hours: int | None = None  # the approver decided more than this many hours after the request
    followups_overdue: bool = False  # an open follow-up is past its due time
    review: bool = False  # only decisions with an open flag for audit or learning review (isg/reviews)
    version: str = ""
    # (state variable, value) pairs: ("consent_status", "refused"). Pairs of one variable are
    # alternatives (OR); different variables must all hold (AND). Recipients are recipient_kind values.
    flags: tuple[tuple[str, object], ...] = ()
    recipients: tuple[str, ...] = ()
    # Decisions with a recorded Share (isg/disclosures) to any of these directory organisations (ids),
    # or, with `shared_with_another`, to another organisation named by the practitioner.
    shared_with: tuple[int, ...] = ()
    shared_with_another: bool = False
    search: str = ""
    parts: dict = field(default_factory=dict, compare=False)  # label -> value, for "filtered by"

    @property
    def is_active(self) -> bool:
        return bool(self.parts)

    @property
    def flag_groups(self) -> dict[str, list[object]]:
        """The answers asked for, by variable: {"consent_status": ["refused", "unable"]}."""
        groups: dict[str, list[object]] = {}
        for name, value in self.flags:
            groups.setdefault(name, []).append(value)
        if self.recipients:
            groups.setdefault(RECIPIENT_VARIABLE, []).extend(v for v in self.recipients
                                                             if v not in groups.get(RECIPIENT_VARIABLE, []))
        return groups


# -- periods -------------------------------------------------------------------------------------


def uk_today() -> datetime.date:
    return timezone.now().astimezone(UK_TIME).date()


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _financial_year_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def period_dates(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of a period, as UK dates. UK quarters and financial years both start
    in April, so calendar quarters are the financial year's quarters."""
    day = datetime.timedelta(days=1)
    quarter = _quarter_start(today)
    if period == "this_quarter":
        return quarter, _quarter_start(quarter + datetime.timedelta(days=100)) - day
    if period == "last_quarter":
        return _quarter_start(quarter - day), quarter - day
    year = _financial_year_start(today)
    if period == "this_financial_year":
        return year, year.replace(year=year.year + 1) - day
    if period == "last_financial_year":
        return year.replace(year=year.year - 1), year - day
    raise ValueError(period)


# -- choices -------------------------------------------------------------------------------------


def _value_code(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def flag_choices(flowchart: Flowchart) -> list[tuple[str, list[tuple[str, str]]]]:
    """(variable's name in words, [(variable:value, the flowchart's words for it), ...]) for every
    state variable. The words are the question and the answer that set the value ("When they were
    asked about this sharing, what was their answer? They refused"), as the CSV export writes them;
    a value several answers set gets the engine's plain words ("The decision is to share")."""
    labels = state_labels(flowchart)
    groups = []
    for name, values in flowchart.variables.items():
        options = [True, False] if values is None else list(values)
        groups.append((name.replace("_", " ").capitalize(),
                       [(f"{name}:{_value_code(value)}", state_label(labels, name, value)) for value in options]))
    return groups


def recipient_choices(flowchart: Flowchart) -> list[tuple[str, str]]:
    """The kinds of recipient the flowchart records (recipient_kind), each in the words of the
    answer that records it ("The police or 999: checked")."""
    words: dict[str, str] = {}
    for node in flowchart.nodes.values():
        for answer in node.answers:
            for effect in (answer.set, *(route.set for route in answer.routes)):
                value = effect.get(RECIPIENT_VARIABLE)
                if value is not None and value not in words:
                    words[value] = answer.label
    values = flowchart.variables.get(RECIPIENT_VARIABLE) or []
    labels = state_labels(flowchart)
    return [(value, words.get(value) or state_label(labels, RECIPIENT_VARIABLE, value)) for value in values]


def organisation_choices() -> list[tuple[str, str]]:
    """Every organisation on the directory, by name, then those taken off it (a share recorded to
    one is still found), then another organisation the practitioner named."""
    organisations = sorted(Organisation.objects.all(), key=lambda o: (not o.is_active, o.name.lower()))
    return [
        *((str(o.pk), o.name if o.is_active else f"{o.name} (no longer on the directory)") for o in organisations),
        (ANOTHER_ORGANISATION, "Another organisation, named when the share was recorded"),
    ]


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


# -- dates ---------------------------------------------------------------------------------------


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

    @property
    def given(self) -> bool:
        return any(self.values.values())


@dataclass
class DateRange:
    """One of the form's date ranges: a period or from/to dates, never both."""

    name: str  # "submitted" or "approved"
    legend: str  # "Submitted"
    period: forms.BoundField
    start: DateParts
    end: DateParts
    dates: tuple[datetime.date | None, datetime.date | None] = (None, None)

    @property
    def error(self) -> bool:
        return bool(self.period.errors or self.start.error or self.end.error)

    @property
    def inputs(self) -> tuple[DateParts, DateParts]:
        return self.start, self.end

    @property
    def dates_open(self) -> bool:
        """Show the from/to boxes unfolded: something is in them (or wrong with them)."""
        return bool(self.start.given or self.end.given or self.start.error or self.end.error)


# -- the form ------------------------------------------------------------------------------------


class RegisterFilterForm(ErrorSummaryMixin, forms.Form):
    q = forms.CharField(
        label="Search case references, summaries and reasons", required=False, max_length=MAX_SEARCH_LENGTH,
        error_messages={"max_length": f"Search must be {MAX_SEARCH_LENGTH} characters or fewer"},
    )
    period = forms.ChoiceField(label="Submitted in", required=False)
    agency = forms.MultipleChoiceField(label="Agency", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False)
    position = forms.ChoiceField(label="Where it stands now", required=False)
    status = forms.MultipleChoiceField(label="Approval state", required=False)
    flag = forms.MultipleChoiceField(label="Answer recorded in the decision", required=False)
    recipient = forms.MultipleChoiceField(label="Recipient", required=False)
    took = forms.ChoiceField(label="Approver took longer than", required=False)
    version = forms.ChoiceField(label="Flowchart version", required=False)
    emergency = forms.ChoiceField(label="Emergency shares only", required=False, choices=[("", ""), (YES, "Yes")])
    overdue = forms.ChoiceField(label="Overdue approvals and reviews only", required=False, choices=[("", ""), (YES, "Yes")])
    late = forms.ChoiceField(label="Approver decided late only", required=False, choices=[("", ""), (YES, "Yes")])
    followups = forms.ChoiceField(label="Overdue follow-ups only", required=False, choices=[("", ""), (YES, "Yes")])
    review = forms.ChoiceField(label="Flagged for review only", required=False, choices=[("", ""), (YES, "Yes")])

    CHECKBOX_TEXT = {
        "emergency": "Emergency shares",
        "overdue": "Approvals and reviews waiting past their due time",
        "late": "Approved or reviewed late (decided after it was due)",
        "followups": "Follow-ups past their due time (a review, telling the person, a breach assessment)",
        "review": "Flagged for audit or learning review",
    }

    def __init__(self, data: QueryDict, *, flowchart: Flowchart, search_expired: bool = False) -> None:
        super().__init__(data)
        # Named as in the URL, which a Python attribute cannot be.
        self.fields["approved-period"] = forms.ChoiceField(label="Approver decided in", required=False)
        self.fields[SHARED_WITH] = forms.MultipleChoiceField(label="Shared with (organisation)", required=False)
        self.flowchart = flowchart
        self.search_expired = search_expired  # the URL's search token no longer works (isg/register/search.py)
        self.dates = {prefix: DateParts(data, prefix) for prefix in DATES}
        self.agencies = {a.slug: a for a in Agency.objects.order_by("name")}
        choices = {
            "period": PERIODS,
            "approved-period": PERIODS,
            "agency": [(slug, a.name) for slug, a in self.agencies.items()],
            "outcome": outcome_choices(flowchart),
            "position": POSITIONS,
            "status": listed_statuses(),
            "flag": flag_choices(flowchart),
            "recipient": recipient_choices(flowchart),
            SHARED_WITH: organisation_choices(),
            "took": TOOK,
            "version": version_choices(flowchart),
        }
        for name, known in choices.items():
            label = self.fields[name].label.lower()
            if isinstance(self.fields[name], forms.MultipleChoiceField):
                self.fields[name].choices = known
            else:
                any_label = {"period": "Any time", "approved-period": "Any time", "took": "Any time taken",
                             "position": "Shared or not"}.get(name, f"Any {label}")
                self.fields[name].choices = [("", any_label), *known]
            self.fields[name].error_messages["invalid_choice"] = (
                f"There is no {label} “%(value)s”: choose one from the list"
            )
        self.fields["position"].error_messages["invalid_choice"] = (
            "Where it stands now cannot be “%(value)s”: choose one from the list")
        self.fields[SHARED_WITH].error_messages["invalid_choice"] = (
            "There is no organisation “%(value)s” in the directory: choose one from the list")
        for name in CHECKBOXES:
            self.fields[name].error_messages["invalid_choice"] = f"“{self.fields[name].label}” can only be ticked or not"
        self.ranges = [
            DateRange(name, legend, self[period], self.dates[start], self.dates[end])
            for name, legend, period, start, end in RANGES
        ]

    # -- what the template draws --

    @property
    def selects(self):
        """(bound field, [(optgroup label or "", [(value, label), ...]), ...]) for each drop-down."""
        return [(self[name], [("", list(self.fields[name].choices))]) for name in ("outcome", "position", "took", "version")]

    def _ticked(self, name: str) -> set[str]:
        return {str(value) for value in (self[name].value() or [])}

    @property
    def tick_groups(self):
        """(bound field, hint, [(id, value, label, ticked), ...], folded, open) for agencies, states and
        recipients. Folded groups sit in a GOV.UK details (open when something is ticked or wrong),
        so the filter stays short on a phone."""
        hints = {"agency": "Tick any number: decisions of any of them are shown",
                 "status": "Tick any number", "recipient": "Who the information goes to, as the practitioner recorded it",
                 SHARED_WITH: "Decisions with a share recorded to any of them, after the information was shared"}
        out = []
        for name in ("agency", "status", "recipient", SHARED_WITH):
            ticked = self._ticked(name)
            options = [(f"{name}-{n}", value, label, value in ticked)
                       for n, (value, label) in enumerate(self.fields[name].choices)]
            folded = name != "agency"
            out.append((self[name], hints[name], options, folded, bool(ticked or self[name].errors)))
        return out

    @property
    def flag_groups(self):
        """(variable in words, variable, [(id, value, label, ticked), ...], any ticked) per state variable."""
        ticked = self._ticked("flag")
        out = []
        for label, options in self.fields["flag"].choices:
            variable = options[0][0].split(":", 1)[0] if options else ""
            rows = [(f"flag-{variable}-{n}", value, text, value in ticked) for n, (value, text) in enumerate(options)]
            out.append((label, variable, rows, any(row[3] for row in rows)))
        return out

    @property
    def flag_ticked(self) -> bool:
        return bool(self._ticked("flag"))

    @property
    def checkboxes(self):
        return [(self[name], self.CHECKBOX_TEXT[name]) for name in CHECKBOXES]

    @property
    def checkbox_errors(self) -> list[str]:
        return [error for name in CHECKBOXES for error in self.errors.get(name, [])]

    # -- checking --

    def clean(self):
        data = super().clean()
        if self.search_expired:
            self.add_error("q", SEARCH_EXPIRED)
        for date in self.dates.values():
            if date.error:
                self.add_error(None, date.error)
        today = uk_today()
        for date_range in self.ranges:
            start, end = date_range.start, date_range.end
            period = data.get(date_range.period.name) or ""
            if period and (start.given or end.given):
                end._fail(f"Choose a period or enter {date_range.legend.lower()} dates, not both")
                self.add_error(None, end.error)
                continue
            if period:
                date_range.dates = period_dates(period, today)
            elif not (start.error or end.error):
                if start.date and end.date and end.date < start.date:
                    end._fail(f"{end.label} date must be the same as or after the {start.label.lower()} date")
                    self.add_error(None, end.error)
                else:
                    date_range.dates = (start.date, end.date)
        return data

    @property
    def error_links(self) -> list[tuple[str, str]]:
        """Field errors, then each date's error linked to its first wrong box."""
        links = []
        for name in self.fields:
            for error in self.errors.get(name, []):
                target = self[name].auto_id
                if isinstance(self.fields[name], forms.MultipleChoiceField):
                    target = f"{name}-0"
                    if name == "flag":
                        target = "flag-groups"
                links.append((error, f"#{target}"))
        links += [(date.error, f"#{date.first_id}") for date in self.dates.values() if date.error]
        return links

    def register_filter(self) -> RegisterFilter:
        """The filter to apply; call only after `is_valid()` returned True."""
        data = self.cleaned_data
        flags = []
        for code in data.get("flag") or []:
            name, value = code.split(":", 1)
            flags.append((name, value == "true") if self.flowchart.variables[name] is None else (name, value))
        parts = {}
        if data.get("q", "").strip():
            parts["Search"] = f"“{data['q'].strip()}”"
        for date_range in self.ranges:
            start, end = date_range.dates
            period = data.get(date_range.period.name)
            if period:
                parts[date_range.period.label] = (f"{dict(PERIODS)[period].lower()}, "
                                                  f"{start:%-d %B %Y} to {end:%-d %B %Y}")
            else:
                if start:
                    parts[date_range.start.label] = f"{start:%-d %B %Y}"
                if end:
                    parts[date_range.end.label] = f"{end:%-d %B %Y}"
        for name in ("agency", "outcome", "position", "status", "flag", "recipient", SHARED_WITH, "took", "version"):
            chosen = data.get(name)
            if chosen:
                labels = dict(_flat(self.fields[name].choices))
                values = chosen if isinstance(chosen, list) else [chosen]
                parts[self.fields[name].label] = " or ".join(labels.get(v, v) for v in values)
        for name in CHECKBOXES:
            if data.get(name):
                parts[self.fields[name].label] = "yes"
        (submitted_from, submitted_to), (approved_from, approved_to) = (r.dates for r in self.ranges)
        return RegisterFilter(
            submitted_from=submitted_from, submitted_to=submitted_to,
            approved_from=approved_from, approved_to=approved_to,
            agencies=tuple(self.agencies[slug] for slug in data.get("agency") or []),
            outcome=data.get("outcome") or "", position=data.get("position") or "", statuses=tuple(data.get("status") or ()),
            emergency=data.get("emergency") == YES, overdue=data.get("overdue") == YES,
            approved_late=data.get("late") == YES, followups_overdue=data.get("followups") == YES,
            review=data.get("review") == YES,
            took_hours=int(data["took"]) if data.get("took") else None,
            version=data.get("version") or "", flags=tuple(flags),
            recipients=tuple(data.get("recipient") or ()),
            shared_with=tuple(int(v) for v in data.get(SHARED_WITH) or () if v != ANOTHER_ORGANISATION),
            shared_with_another=ANOTHER_ORGANISATION in (data.get(SHARED_WITH) or ()),
            search=(data.get("q") or "").strip(), parts=parts,
        )


def _flat(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield value, label
