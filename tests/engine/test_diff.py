"""diff_flowcharts: the real 1.0.1 file against a small edited copy, and against itself."""

from pathlib import Path

import pytest

from isg.engine import parse_flowchart
from isg.engine.diff import ADDED, CHANGED, REMOVED, diff_flowcharts, short

OLD_TEXT = (Path(__file__).parent / "samples" / "information-sharing-1.0.1.yaml").read_text()


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new, 1)


def edited_copy() -> str:
    """1.0.1 with a handful of 1.1-style edits (F1, F2, F3, F5, F9, F12) and two wording changes."""
    text = edit(OLD_TEXT, 'version: "1.0.1"', 'version: "1.1.0-test"')
    text = edit(text, "not_sought_impracticable, not_applicable]", "not_sought_impracticable, not_applicable, not_needed]")
    text = edit(text, "  informed: [already_aware, will_inform, not_informing]",
                "  informed: [already_aware, will_inform, not_informing]\n  mother_age: [18_plus, \"16_17\", under_16]")
    # F2: a new answer
    text = edit(text, "      - id: no_safe\n        label: \"No, it is safe to ask\"\n        next: consent_practicable\n",
                "      - id: no_safe\n        label: \"No, it is safe to ask\"\n        next: consent_practicable\n"
                "      - id: not_needed_to_protect\n        label: \"Consent is not needed to protect them\"\n"
                "        next: harm_threshold\n        set: {consent_status: not_needed}\n")
    # F3: a new field
    text = edit(text, "    case_studies: [cs17, cs18]\n    answers:\n      - id: yes_duty",
                "    case_studies: [cs17, cs18]\n    fields:\n      - id: duty_basis\n        label: \"Which duty?\"\n"
                "        type: choice\n        required_for: [yes_duty]\n        shown_for: [yes_duty]\n        choices:\n"
                "          - {id: court_order, label: \"A court order\"}\n          - {id: other_law, label: \"Another law\"}\n"
                "    answers:\n      - id: yes_duty")
    # F5: a new node, and an answer re-routed to it
    text = edit(text, "        hint: \"Ask the mother. If you are worried about the baby after birth, say so at the question about harm.\"\n"
                "        next: adult_capacity_doubt\n        set: {subject_type: unborn}",
                "        hint: \"Ask the mother. If you are worried about the baby after birth, say so at the question about harm.\"\n"
                "        next: mother_age\n        set: {subject_type: unborn}")
    text = edit(text, "  - id: adult_capacity_doubt\n",
                "  - id: mother_age\n    question: \"How old is the mother?\"\n    answers:\n"
                "      - {id: 18_plus, label: \"18 or over\", next: adult_capacity_doubt, set: {mother_age: 18_plus}}\n"
                "      - {id: \"16_17\", label: \"16 or 17\", next: adult_capacity_doubt, set: {mother_age: \"16_17\"}}\n\n"
                "  - id: adult_capacity_doubt\n")
    # F9: a conditional route
    text = edit(text, "instead.\"\n        next: harm_threshold\n        set: {consent_status: unable}",
                "instead.\"\n        next:\n          - when: {capacity: presumed}\n            next: mca_support\n"
                "          - next: harm_threshold\n        set: {consent_status: unable}")
    # F1: unless on an answer, and a relabel
    text = edit(text, "        label: \"No, and I accept that we should not share\"\n        next: record",
                "        label: \"No, and I accept that we should not share\"\n        next: record\n"
                "        unless: {harm_level: serious}")
    text = edit(text, "        label: \"No, but I am still concerned\"", "        label: \"No, and I remain concerned: escalate\"")
    # F12: an outcome rule's condition
    text = edit(text, "  - id: outcome_share_limited\n    when: {limited: true}",
                "  - id: outcome_share_limited\n    when: {public_interest: share_limited}")
    # wording: a question reworded, an answer removed
    text = edit(text, 'question: "Can you reasonably ask for consent now?"',
                'question: "Can you reasonably ask, in time, the person whose agreement counts?"')
    return text


@pytest.fixture(scope="module")
def charts():
    old = parse_flowchart(OLD_TEXT.encode(), "information-sharing-1.0.1.yaml")
    new = parse_flowchart(edited_copy().encode(), "edited.yaml")
    return old, new


@pytest.fixture(scope="module")
def diff(charts):
    return diff_flowcharts(*charts)


def test_a_flowchart_has_no_differences_from_itself(charts):
    old, _ = charts
    again = diff_flowcharts(old, old)
    assert again.is_empty
    assert again.changes == ()


def test_versions_are_named(diff):
    assert (diff.old_version, diff.new_version) == ("1.0.1", "1.1.0-test")


def test_added_answer(diff):
    change = next(c for c in diff.changes if c.id == "not_needed_to_protect")
    assert (change.kind, change.action, change.node) == ("answer", ADDED, "consent_safe_to_ask")
    assert change.summary == (
        "Answer `not_needed_to_protect` added to “Would asking for consent…”: “Consent is not needed to protect them”"
    )


def test_outcome_rule_condition_changed(diff):
    [change] = [c for c in diff.outcomes if c.id == "outcome_share_limited"]
    assert change.aspect == "condition"
    assert change.summary == (
        "Outcome rule `outcome_share_limited` now applies when public_interest = share_limited (was limited = true)"
    )


def test_added_node_and_rerouted_answer(diff):
    node = next(n for n in diff.nodes if n.id == "mother_age")
    assert node.action == ADDED
    assert node.summary == "Question `mother_age` added: “How old is the mother?”"
    change = next(c for c in diff.changes if c.id == "unborn_baby")
    assert change.aspect == "route"
    assert change.summary == "Answer `unborn_baby` of “Whose agreement do you need?” now leads to mother_age (was adult_capacity_doubt)"


def test_conditional_route(diff):
    change = next(c for c in diff.changes if c.id == "unable_right_now")
    assert change.summary.endswith(
        "now leads to mca_support when capacity = presumed, otherwise harm_threshold (was harm_threshold)"
    )


def test_unless_and_label_changes(diff):
    node = next(n for n in diff.nodes if n.id == "manager_approval")
    assert node.action == CHANGED
    summaries = [c.summary for c in node.changes]
    assert "Answer `not_approved_agree` of “You propose to share…” is now not offered when harm_level = serious " \
           "(was always offered)" in summaries
    relabel = next(c for c in node.changes if c.aspect == "label")
    assert relabel.id == "not_approved_still_concerned"
    assert (relabel.old, relabel.new) == ("No, but I am still concerned", "No, and I remain concerned: escalate")


def test_added_field(diff):
    change = next(c for c in diff.changes if c.kind == "field")
    assert (change.action, change.id, change.node) == (ADDED, "duty_basis", "statutory_duty")
    assert change.summary == (
        "Field `duty_basis` added to “Does the law require you…”: “Which duty?” (required for yes_duty)"
    )


def test_question_reworded(diff):
    node = next(n for n in diff.nodes if n.id == "consent_practicable")
    [change] = node.changes
    assert change.aspect == "question"
    assert change.old == "Can you reasonably ask for consent now?"
    assert change.new == "Can you reasonably ask, in time, the person whose agreement counts?"
    assert node.summary == "Question `consent_practicable` (“Can you reasonably ask…”) changed: question"


def test_variables_and_values_added(diff):
    assert [c.summary for c in diff.variables] == [
        "Variable `consent_status` gains the value not_needed",
        "Variable `mother_age` added (18_plus, 16_17, under_16)",
    ]


def test_nodes_are_in_the_new_file_order_and_nothing_else_is_reported(diff, charts):
    _, new = charts
    order = list(new.nodes)
    assert [n.id for n in diff.nodes] == sorted((n.id for n in diff.nodes), key=order.index)
    assert [n.id for n in diff.nodes] == [
        "statutory_duty", "consent_safe_to_ask", "consent_practicable", "consent_from_whom", "mother_age",
        "consent_outcome", "manager_approval",
    ]
    assert [c.id for c in diff.outcomes] == ["outcome_share_limited"]
    assert diff.glossary == () and diff.general == ()


def test_removals_are_reported():
    old = parse_flowchart(edited_copy().encode(), "edited.yaml")
    new = parse_flowchart(OLD_TEXT.encode(), "information-sharing-1.0.1.yaml")
    back = diff_flowcharts(old, new)
    assert "Question `mother_age` removed: “How old is the mother?”" in back.summaries()
    assert back.nodes[-1].action == REMOVED  # removed nodes come last
    assert "Variable `mother_age` removed" in back.summaries()
    assert "Variable `consent_status` loses the value not_needed" in back.summaries()
    assert any(s.startswith("Answer `not_needed_to_protect` removed from") for s in back.summaries())
    assert any(s.startswith("Field `duty_basis` removed from") for s in back.summaries())


def test_outcome_order_text_and_glossary_changes():
    text = edit(OLD_TEXT, "  - id: outcome_share_limited\n    when: {limited: true}",
                "  - id: outcome_share_limited\n    when: {limited: true}\n    shares: true")
    text = edit(text, 'title: "Share a limited part without consent"',
                'title:\n      - when: {direction: want_to_request}\n        text: "Request a limited part without consent"\n'
                '      - text: "Share a limited part without consent"')
    text = edit(text, "\nvariables:", '\nreminder: "Refer without delay."\nglossary:\n'
                '  - {id: marac, term: "MARAC", definition: "A risk conference."}\nvariables:')
    chart = parse_flowchart(text.encode(), "t.yaml")
    result = diff_flowcharts(parse_flowchart(OLD_TEXT.encode(), "old.yaml"), chart)
    assert "Outcome `outcome_share_limited` is now a share outcome" in result.summaries()
    assert "Title of outcome `outcome_share_limited` changed: “Share a limited part without consent” (was “Share a " \
           "limited part without consent”)" in result.summaries()  # now varies with the state
    assert "Glossary term “MARAC” added" in result.summaries()
    assert "Safeguarding reminder on every outcome added" in result.summaries()


def test_outcome_order_change_is_reported():
    block_start = OLD_TEXT.index("  - id: outcome_share_anonymised")
    block_end = OLD_TEXT.index("  - id: outcome_share_no_consent_needed")
    block = OLD_TEXT[block_start:block_end]
    moved = OLD_TEXT[:block_start] + OLD_TEXT[block_end:]
    at = moved.index("  - id: outcome_share_with_consent")
    moved = moved[:at] + block + moved[at:]
    try:
        chart = parse_flowchart(moved.encode(), "moved.yaml")
    except Exception as exc:  # pragma: no cover - the move must stay valid for the test to mean anything
        raise AssertionError(exc) from exc
    result = diff_flowcharts(parse_flowchart(OLD_TEXT.encode(), "old.yaml"), chart)
    assert "Outcome rule `outcome_share_anonymised` is now checked 5th (was 4th)" in result.summaries()


def test_short_cuts_long_questions_at_a_word():
    assert short("Is anyone in immediate danger now?") == "Is anyone in immediate danger now?"
    assert short("Would asking for consent put someone at risk or harm an investigation?") == "Would asking for consent…"
