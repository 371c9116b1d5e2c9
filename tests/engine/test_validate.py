"""Every class of flowchart error is reported with the file, the line and a reason."""

from pathlib import Path

import pytest

from isg.engine import FlowchartError, load_flowchart, parse_flowchart

MINIMAL = (Path(__file__).parent / "samples" / "minimal.yaml").read_text()


def problems_for(text: str) -> list[str]:
    with pytest.raises(FlowchartError) as caught:
        parse_flowchart(text.encode(), "broken.yaml")
    return [str(p) for p in caught.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def broken(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def test_the_minimal_sample_is_valid():
    flowchart = parse_flowchart(MINIMAL.encode(), "minimal.yaml")
    assert flowchart.version == "test-1"
    assert [o.id for o in flowchart.outcomes] == ["outcome_emergency", "outcome_advice", "outcome_no", "outcome_share"]


def test_yaml_syntax_error_names_the_line():
    text = broken('question: "Is it confidential?"', 'question: "Is it confidential?')
    [problem] = problems_for(text)
    assert problem.startswith("broken.yaml:")
    assert "not valid YAML" in problem


def test_unknown_key_is_rejected_with_its_line():
    text = broken('    question: "What will you share?"', '    question: "What will you share?"\n    colour: red')
    assert f"broken.yaml:{line_of(text, 'colour: red')}: unknown key 'colour' in a node" in problems_for(text)[0]


def test_duplicate_node_id_is_rejected():
    text = broken("  - id: share_what", "  - id: confidential")
    problems = problems_for(text)
    assert any("duplicate node id 'confidential'" in p for p in problems)


def test_duplicate_answer_id_is_rejected():
    text = broken('      - id: "no"', '      - id: "yes"')
    second = [i for i, line in enumerate(text.splitlines(), 1) if '- id: "yes"' in line][1]
    assert any(p.startswith(f"broken.yaml:{second}: duplicate answer id 'yes'") for p in problems_for(text))


def test_duplicate_mapping_key_is_rejected():
    text = broken('    question: "Check"', '    question: "Check"\n    question: "Again"')
    assert any(f":{line_of(text, 'Again')}: duplicate key 'question'" in p for p in problems_for(text))


def test_next_must_name_a_node():
    text = broken("{id: all, label: \"All of it\", next: record}", "{id: all, label: \"All of it\", next: nowhere}")
    assert any(
        f":{line_of(text, 'nowhere')}: answer 'all' of 'share_what' leads to 'nowhere', which is not a node" in p
        for p in problems_for(text)
    )


def test_return_is_only_allowed_on_the_answers_of_seek_advice():
    text = broken("{id: go, label: \"Go\", next: confidential}", "{id: go, label: \"Go\", next: \"@return\"}")
    assert any("'@return' is only allowed on the answers of seek_advice" in p for p in problems_for(text))


def test_unreachable_node_is_rejected():
    text = broken("  - id: seek_advice", "  - id: orphan\n    question: \"Never asked?\"\n    answers:\n      - {id: done, label: \"Done\", next: record}\n  - id: seek_advice")
    assert any(f":{line_of(text, 'id: orphan')}: node 'orphan' cannot be reached from 'start'" in p for p in problems_for(text))


def test_node_that_cannot_reach_record_is_rejected():
    text = broken("{id: all, label: \"All of it\", next: record}", "{id: all, label: \"All of it\", next: share_what}")
    text = text.replace('question: "What will you share?"', 'question: "What will you share?"\n    not_sure: false')
    assert any("no answer path leads from node 'share_what' to 'record'" in p for p in problems_for(text))


def test_set_of_unknown_variable_is_rejected():
    text = broken("set: {confidential: \"no\", decision: share}", "set: {confidential: \"no\", decision: share, mood: happy}")
    assert any(f":{line_of(text, 'mood: happy')}:" in p and "unknown variable 'mood'" in p for p in problems_for(text))


def test_set_of_unknown_value_is_rejected():
    text = broken("set: {confidential: \"no\", decision: share}", "set: {confidential: \"no\", decision: maybe}")
    assert any("'maybe' is not a value of 'decision' (allowed: share, do_not_share)" in p for p in problems_for(text))


def test_unquoted_yes_where_a_string_is_expected_is_rejected():
    text = broken('set: {confidential: "yes", decision: do_not_share}', "set: {confidential: yes, decision: do_not_share}")
    assert any("'confidential' expects text, not the boolean true" in p for p in problems_for(text))


def test_unquoted_yes_as_an_answer_id_is_rejected():
    text = broken('      - id: "yes"', "      - id: yes")
    assert any(
        f":{line_of(text, '- id: yes')}: `id` of an answer of node 'confidential' must be an id (text), not the boolean true"
        in p for p in problems_for(text)
    )


def test_outcome_rule_on_unknown_variable_is_rejected():
    text = broken("when: {unresolved: true}}", "when: {puzzled: true}}")
    assert any(f":{line_of(text, 'puzzled')}:" in p and "unknown variable 'puzzled'" in p for p in problems_for(text))


def test_unless_on_unknown_variable_or_value_is_rejected():
    text = broken("{id: all, label: \"All of it\", next: record}", "{id: all, label: \"All of it\", next: record, unless: {decision: perhaps}}")
    assert any("'perhaps' is not a value of 'decision'" in p for p in problems_for(text))
    text = broken("{id: all, label: \"All of it\", next: record}", "{id: all, label: \"All of it\", next: record, unless: {weather: true}}")
    assert any("unknown variable 'weather'" in p for p in problems_for(text))


def test_outcome_that_no_path_reaches_is_rejected():
    text = broken(
        "  - {id: outcome_share,",
        "  - {id: outcome_shadowed, title: \"Never\", when: {decision: share}}\n  - {id: outcome_share,",
    )
    problems = problems_for(text)
    assert any(f":{line_of(text, 'outcome_share,')}: outcome 'outcome_share' can never be reached" in p for p in problems)


def test_state_that_no_outcome_matches_is_rejected():
    text = broken("  - {id: outcome_share, title: \"Share\", when: {decision: share}}\n", "")
    assert any("a walk can reach the end with a state that no outcome rule matches" in p for p in problems_for(text))


def test_all_problems_are_reported_at_once():
    text = MINIMAL.replace('question: "Check"', 'question: "Check"\n    colour: red')
    text = text.replace('title: "A minimal flowchart for engine tests"', 'title: "A minimal flowchart for engine tests"\nextra: 1')
    assert len(problems_for(text)) >= 2


def test_missing_file_is_a_flowchart_error(tmp_path):
    with pytest.raises(FlowchartError) as caught:
        load_flowchart(tmp_path / "absent.yaml")
    assert "cannot read the file" in str(caught.value)


def test_content_hash_is_the_sha256_of_the_file_bytes(tmp_path):
    import hashlib

    path = tmp_path / "chart.yaml"
    path.write_text(MINIMAL)
    assert load_flowchart(path).sha256 == hashlib.sha256(MINIMAL.encode()).hexdigest()
    path.write_text(MINIMAL + "\n# a comment changes the hash\n")
    assert load_flowchart(path).sha256 != hashlib.sha256(MINIMAL.encode()).hexdigest()
