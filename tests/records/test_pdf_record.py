"""The PDF record as a reader, a screen reader and a program see it."""

from __future__ import annotations

import re
import subprocess

import pikepdf
import pytest

from isg.flowchart import diagram
from isg.records.pdf import render_decision_pdf
from isg.records.record import decision_record
from tests.decisions.helpers import walk
from tests.engine.walks import WALKS

from .conftest import AMEND_REASON, AMEND_TEXT, APPROVAL_REASON, RETURN_ANSWER, RETURN_QUESTION, submit
from .reading import attached_json, open_pdf, pages_text, squeeze

pytestmark = pytest.mark.django_db


def test_the_record_is_a_tagged_pdf_ua_document_with_language_and_title(recorded, owner):
    pdf = render_decision_pdf(recorded, exported_by=owner).pdf
    with open_pdf(pdf) as document:
        root = document.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked)
        assert str(root.Lang) == "en-GB"
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        title = str(document.docinfo["/Title"])
        assert title == f"Information-sharing decision record {recorded.case_reference}"
        # Headings, tables and the diagram are tagged, not just drawn.
        kinds = structure_kinds(root.StructTreeRoot)
        assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= kinds
        xmp = document.open_metadata()
        assert xmp.get("dc:title") == title
        assert xmp.get("pdfuaid:part") == "1"
        # Every font is embedded, so the record reads the same on any machine (AX-7).
        descriptors = [o for o in document.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"]
        assert descriptors and all({"/FontFile", "/FontFile2", "/FontFile3"} & set(d.keys()) for d in descriptors)
        # No server paths or usernames in the metadata (reliability.md DP-8).
        for key in ("/Author", "/Creator", "/Producer"):
            value = str(document.docinfo.get(key, ""))
            assert "/" not in value.replace("WeasyPrint", "") and owner.username not in value


def structure_kinds(node) -> set[str]:
    """Every structure type under a structure element (/H1, /Table, /Figure ...)."""
    seen: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Array):
            stack.extend(item)
        elif isinstance(item, pikepdf.Dictionary):
            if "/S" in item:
                seen.add(str(item.S))
            if "/K" in item:
                stack.append(item.K)
    return seen


def test_every_page_carries_the_marking_and_its_page_number(recorded, owner):
    pages = pages_text(render_decision_pdf(recorded, exported_by=owner).pdf)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in page, number
        assert f"Page {number} of {len(pages)}" in page, number
        assert f"decision record · {recorded.case_reference}" in page, number
        assert "Exported by Priya Shah (Riverside Primary School)" in page, number


def test_the_record_holds_every_fact_a_reviewer_needs(recorded, owner, manager):
    text = " ".join(pages_text(render_decision_pdf(recorded, exported_by=owner).pdf))
    record = decision_record(recorded)
    facts = [
        "Riverside Primary School", "Priya Shah", recorded.case_reference, "Concern about a child aged 7 seen with bruising",
        # the outcome, its lawful basis, and the approval it needs
        record["outcome"]["title"], record["outcome"]["lawful_basis"][0][:60], "Review after sharing",
        # what was shared with whom, how, and whether the person is told
        "Dates and description of the bruising", "Nothing withheld", "Duty social worker", "Children's social care",
        "Secure email", "Yes, they will be told", "I will tell her mother by phone", "1 January 2099",
        # the "not sure" consultation
        "Sam Lead", "Designated safeguarding lead", "Share with social care", "The advice answers my question",
        # approval history, with names and reasons
        "Returned for more information", RETURN_QUESTION, RETURN_ANSWER, "Resubmitted for approval",
        "Approved", APPROVAL_REASON, manager.display_name,
        # amendments
        AMEND_REASON, AMEND_TEXT,
        # the flowchart it was made under
        f"Version {recorded.flowchart_version}", recorded.flowchart_id,
    ]
    for question in record["questions"]:
        facts += [question["question"], question["answer"]]
    missing = [fact for fact in facts if squeeze(fact) not in text]
    assert not missing
    assert text.count("Because the facts support it") >= len(record["questions"])


def test_the_attached_json_round_trips_to_the_same_record(recorded, owner):
    rendered = render_decision_pdf(recorded, exported_by=owner)
    attached = attached_json(rendered.pdf)
    assert attached == rendered.record
    recorded.refresh_from_db()
    assert attached == decision_record(recorded)  # rebuilt from the database: the same dict
    assert attached["decision"]["case_reference"] == recorded.case_reference
    assert [e["kind"] for e in attached["approval_history"]] == [
        "submitted", "returned", "return_answered", "resubmitted", "approved",
    ]
    assert attached["consultations"][0]["about_node"] == "confidential"
    assert attached["amendments"][0]["text"] == AMEND_TEXT


def test_the_diagram_shows_this_decisions_path(recorded, owner):
    text = " ".join(pages_text(render_decision_pdf(recorded, exported_by=owner).pdf))
    assert "The flowchart, with this decision's path" in text
    assert "(your path)" in text  # Graphviz's label on each highlighted box, drawn as text


def test_without_graphviz_the_record_says_the_diagram_is_missing(recorded, owner, monkeypatch, tmp_path):
    monkeypatch.setattr(diagram, "DOT_BINARY", str(tmp_path / "no-such-dot"))
    diagram.clear_cache()
    try:
        text = " ".join(pages_text(render_decision_pdf(recorded, exported_by=owner).pdf))
    finally:
        diagram.clear_cache()
    assert "The flowchart diagram is not included in this copy: Graphviz, the program that draws it, is not installed" in text
    assert "(your path)" not in text


@pytest.mark.parametrize(("outcome_id", "expect"), [
    ("outcome_seek_advice", ["I'm not sure", "It is still not clear", "still open"]),
    ("outcome_emergency_share", ["Review after sharing: shared at once, reviewed by an approver (emergency)",
                                 "Emergency share"]),
    ("outcome_do_not_share", ["Not asked on this decision's path", "Not needed"]),
])
def test_other_outcomes_make_whole_records_too(owner_client, owner, outcome_id, expect):
    decision = submit(owner_client, walk(owner_client, WALKS[outcome_id][1:], start=WALKS[outcome_id][0].split(":")[1]))
    assert decision.outcome == outcome_id
    rendered = render_decision_pdf(decision, exported_by=owner)
    text = " ".join(pages_text(rendered.pdf))
    assert rendered.record["outcome"]["title"] in text
    for words in expect:
        assert words in text, words
    assert attached_json(rendered.pdf) == decision_record(decision)


def test_the_record_lists_the_tasks_after_the_decision_and_whether_each_is_done(recorded, owner):
    from isg.followups import services as followups
    from isg.followups.models import FollowUp

    task = FollowUp.objects.get(decision=recorded, kind=FollowUp.Kind.INFORM)  # "inform_by": 1 January 2099
    text = " ".join(pages_text(render_decision_pdf(recorded, exported_by=owner).pdf))
    tasks = text[text.index("Tasks after the decision"):]
    assert "Tell the person what was shared Priya Shah 1 January 2099, 17:00 Not yet" in tasks
    followups.complete(task, owner, note="Told her mother by phone")
    rendered = render_decision_pdf(recorded, exported_by=owner)
    text = " ".join(pages_text(rendered.pdf))
    assert "Tell the person what was shared Priya Shah 1 January 2099, 17:00 Not yet" not in text
    assert "by Priya Shah" in text[text.index("Tasks after the decision"):]
    assert "inform" in [t["kind"] for t in attached_json(rendered.pdf)["tasks"]]


def test_a_long_unbroken_word_wraps_inside_the_page_and_loses_nothing(recorded, owner):
    """A reference, a summary or an address typed without spaces still prints whole: never cut off at the
    page's edge (a record that loses words is not a record)."""
    reference = "REF-" + "7" * 90
    summary = "https://example.org/" + "a" * 240 + "-end"
    path = [dict(step) for step in recorded.path]
    path[0] = {**path[0], "fields": {**path[0].get("fields", {}), "summary": summary}}
    type(recorded).objects.filter(pk=recorded.pk).update(case_reference=reference, path=path)
    recorded.refresh_from_db()
    pdf = render_decision_pdf(recorded, exported_by=owner).pdf
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True,
                           timeout=60).stdout.decode()
    page_width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    outside = [text for x_min, x_max, text in words if float(x_max) > page_width or float(x_min) < 0]
    assert not outside, outside[:5]
    text = "".join(pages_text(pdf)).replace(" ", "")
    assert reference in text and summary in text
