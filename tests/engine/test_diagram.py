"""The flowchart diagram's DOT source: generated from the YAML, complete, escaped, with the path marked."""

import re
from pathlib import Path

import pytest
import yaml

from isg.engine import ADVICE, NOT_SURE, parse_flowchart
from isg.engine.diagram import (
    NOT_SURE_NOTE,
    PATH_CLASS,
    PATH_LABEL,
    describe_condition,
    dot_string,
    has_phrase,
    outline,
    path_edges,
    to_dot,
)
from isg.engine.model import RETURN, clauses_of, condition_values

from .walks import WALKS, steps

SAMPLES = Path(__file__).resolve().parent / "samples"

# A DOT statement: `"a" -> "b" [attrs];` or `"a" [attrs];` (our generator writes one per line).
_STRING = r'"(?:[^"\\]|\\.)*"'
_EDGE = re.compile(rf"^\s*({_STRING}) -> ({_STRING}) \[(.*)\];$")
_NODE = re.compile(rf"^\s*({_STRING}) \[(.*)\];$")
_ATTR = re.compile(rf"(\w+)=({_STRING})")


def unquote(quoted: str) -> str:
    """The text a DOT string shows (undoing dot_string; `\\n` line breaks become spaces)."""
    body = quoted[1:-1]
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(" " if nxt == "n" else nxt)
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out).replace("&amp;", "&")


def flat(text: str) -> str:
    return " ".join(text.split())


def statements(dot: str):
    """(nodes, edges): {name: attrs} and [(source, target, attrs)], names and values unquoted."""
    nodes, edges = {}, []
    for line in dot.splitlines():
        if match := _EDGE.match(line):
            attrs = {k: unquote(v) for k, v in _ATTR.findall(match[3])}
            edges.append((unquote(match[1]), unquote(match[2]), attrs))
        elif match := _NODE.match(line):
            nodes[unquote(match[1])] = {k: unquote(v) for k, v in _ATTR.findall(match[2])}
    return nodes, edges


def visible_edges(edges):
    return [e for e in edges if e[2].get("style") != "invis"]


@pytest.fixture(scope="module")
def live_dot(live_flowchart):
    return to_dot(live_flowchart)


# The live 1.1 file, and the archived 1.0.1 file that older decisions are shown under.
BOTH = pytest.mark.parametrize("which", ["live_flowchart", "flowchart"])


@BOTH
def test_every_question_is_a_box_labelled_with_its_question(request, which):
    flowchart = request.getfixturevalue(which)
    nodes, _ = statements(to_dot(flowchart))
    for number, node in enumerate(flowchart.nodes.values(), start=1):
        attrs = nodes[f"n:{node.id}"]
        assert attrs["id"] == f"isg-diagram-node-{node.id}"
        assert flat(node.question) in flat(attrs["label"]), node.id
        assert flat(attrs["label"]).startswith(f"{number}. ")


@BOTH
def test_every_answer_labels_an_arrow_from_its_question_to_each_place_it_leads(request, which):
    flowchart = request.getfixturevalue(which)
    _, edges = statements(to_dot(flowchart))
    for node in flowchart.nodes.values():
        labels = " | ".join(flat(attrs["label"]) for source, _, attrs in edges if source == f"n:{node.id}")
        for answer in node.answers:
            if answer.id == NOT_SURE:
                continue
            assert flat(answer.label) in labels, (node.id, answer.id)
            for route in answer.routes:
                target = "not_sure" if route.next == RETURN else f"n:{route.next}"
                assert any(s == f"n:{node.id}" and t == target and flat(answer.label) in flat(a["label"])
                           for s, t, a in edges), (node.id, answer.id, route.next)


def test_record_is_the_terminal_and_the_outcomes_sit_in_a_cluster_under_it(live_flowchart, live_dot):
    nodes, edges = statements(live_dot)
    record = nodes[f"n:{live_flowchart.terminal.id}"]
    assert record["peripheries"] == "2"
    assert "End:" in record["label"]
    assert not [e for e in visible_edges(edges) if e[0] == f"n:{live_flowchart.terminal.id}" and e[1].startswith("n:")]
    assert 'subgraph "cluster_outcomes"' in live_dot
    for number, outcome in enumerate(live_flowchart.outcomes, start=1):
        label = flat(nodes[f"o:{outcome.id}"]["label"])
        assert label.startswith(f"{number}. {flat(outcome.title)}")
    assert "if it is an emergency" in flat(nodes["o:outcome_emergency_share"]["label"])
    assert "if a legal duty requires it or the information is not confidential" in flat(
        nodes["o:outcome_share_no_consent_needed"]["label"])
    assert [e for e in edges if e[0] == "n:record" and e[2].get("lhead") == "cluster_outcomes"]


def test_not_sure_is_one_note_instead_of_an_arrow_from_every_question(live_flowchart, live_dot):
    nodes, edges = statements(live_dot)
    offering = [n for n in live_flowchart.nodes.values() if n.offers_not_sure]
    assert len(offering) > 20
    into_advice = [e for e in edges if e[1] == f"n:{ADVICE}"]
    explicit = [(n.id, a.id) for n in live_flowchart.nodes.values() for a in n.answers
                if a.id != NOT_SURE and any(r.next == ADVICE for r in a.routes)]
    assert len(into_advice) == 1 + len({node_id for node_id, _ in explicit})
    assert [e for e in into_advice if e[0] == "not_sure"]
    assert flat(nodes["not_sure"]["label"]).startswith(NOT_SURE_NOTE)
    assert nodes["not_sure"]["shape"] == "note"
    # Each advice answer that can go back ("@return") loops back to the note, once.
    returning = [a for a in live_flowchart.node(ADVICE).answers if any(r.next == RETURN for r in a.routes)]
    returns = [e for e in edges if e[0] == f"n:{ADVICE}" and e[1] == "not_sure"]
    assert returning and len(returns) == len(returning)
    assert all("back to the question you were not sure about" in flat(e[2]["label"]) for e in returns)


def test_the_urgent_jump_is_one_box_with_an_arrow_to_each_place_it_can_lead(live_flowchart, live_dot):
    nodes, edges = statements(live_dot)
    assert live_flowchart.urgent.label in flat(nodes["urgent"]["label"])
    urgent_edges = [e for e in edges if e[0] == "urgent"]
    targets = list(dict.fromkeys(f"n:{r.next}" for r in live_flowchart.urgent.routes))
    assert [(e[1], flat(e[2]["label"])) for e in urgent_edges] == [(t, "From any question") for t in targets]


def test_a_conditional_route_is_one_arrow_per_target_labelled_with_the_condition_in_plain_words(live_dot):
    _, edges = statements(live_dot)
    unable = [(t, flat(a["label"])) for s, t, a in edges
              if s == "n:consent_outcome" and "They could not take it in right now" in a["label"]]
    assert sorted(unable) == [
        ("n:harm_threshold", "They could not take it in right now (otherwise)"),
        ("n:mca_support", "They could not take it in right now (if they are presumed able to decide)"),
    ]
    to_record = [flat(a["label"]) for s, t, a in edges if s == "n:secure_method" and t == "n:record"]
    assert len(to_record) == 1 and "(if no one could be identified)" in to_record[0]
    assert "• Secure email" in to_record[0] and "• Another way" in to_record[0]


def test_an_answer_offered_only_sometimes_says_so_on_its_arrow(live_dot):
    _, edges = statements(live_dot)
    fraser_no = [flat(a["label"]) for s, t, a in edges if s == "n:fraser_check" and t == "n:sexual_activity_screen"]
    assert fraser_no == ["No (not offered if the mother is under 16)"]


def test_every_condition_the_live_flowchart_routes_or_offers_on_has_plain_words(live_flowchart):
    conditions = []
    for node in live_flowchart.nodes.values():
        for answer in node.answers:
            conditions += [answer.only_when, answer.unless, *(r.when for r in answer.routes)]
    for outcome in live_flowchart.outcomes:
        conditions += [outcome.when, *outcome.when_any]
    missing = {(variable, value) for c in conditions for clause in clauses_of(c) for variable, values in clause.items()
               for value in condition_values(values) if value is not None and not has_phrase(variable, value)}
    assert not missing
    assert describe_condition({"mother_age": "under_16"}) == "the mother is under 16"
    assert describe_condition({"direction": ("asked_to_share", "want_to_share")}) == (
        "someone asked you to share or you want to share")


def test_the_outline_numbers_every_question_and_resolves_where_each_answer_leads(live_flowchart):
    plan = outline(live_flowchart)
    assert [q.id for q in plan.questions] == list(live_flowchart.nodes)
    consent_outcome = plan.question("consent_outcome")
    unable = next(a for a in consent_outcome.answers if a.id == "unable_right_now")
    assert [(d.target, d.number, d.condition) for d in unable.destinations] == [
        ("mca_support", plan.numbers["mca_support"], "if they are presumed able to decide"),
        ("harm_threshold", plan.numbers["harm_threshold"], "otherwise"),
    ]
    assert unable.destinations[0].question == live_flowchart.node("mca_support").question
    not_sure = next(a for a in consent_outcome.answers if a.id == NOT_SURE)
    assert not_sure.implicit and not_sure.destinations[0].target == ADVICE
    resolved = next(a for a in plan.question(ADVICE).answers if a.id == "resolved")
    assert resolved.destinations[0].target == RETURN and resolved.destinations[0].number == 0


# -- the highlighted path ---------------------------------------------------------------------


NOT_SURE_WALK = ("start:want_to_share", "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only",
                 "identifiable:yes", "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved",
                 "confidential:yes", "consent_safe_to_ask:no_safe", "consent_practicable:yes",
                 "adult_capacity_doubt:no", "consent_outcome:unable_right_now", "mca_support:yes",
                 "mca_functional:yes_cannot", "mca_causation:yes", "lacks_capacity:no_or_unsafe",
                 "best_interests:share", "best_interests_harm:adult_at_risk", "minimum_necessary:all_relevant",
                 "recipient_check:yes_social_care", "secure_method:secure_email", "inform_person:will_inform")


def _on_path(attrs) -> bool:
    return PATH_CLASS in attrs.get("class", "").split()


def test_the_path_s_boxes_and_arrows_carry_the_class_and_the_rest_do_not(live_flowchart):
    walk = steps(*NOT_SURE_WALK)
    nodes, edges = statements(to_dot(live_flowchart, walk))
    visited = {f"n:{s.node}" for s in walk} | {"n:record"}
    highlighted = {name for name, attrs in nodes.items() if _on_path(attrs)}
    assert highlighted == visited | {"not_sure", "o:outcome_share_without_consent"}
    for name in highlighted:
        assert flat(nodes[name]["label"]).startswith(f"({PATH_LABEL})")
        assert float(nodes[name]["penwidth"]) >= 3
    path_edges_drawn = {(s, t) for s, t, a in edges if _on_path(a)}
    assert ("n:consent_outcome", "n:mca_support") in path_edges_drawn  # the route taken...
    assert ("n:consent_outcome", "n:harm_threshold") not in path_edges_drawn  # ...not the other one
    assert ("not_sure", "n:seek_advice") in path_edges_drawn and ("n:seek_advice", "not_sure") in path_edges_drawn
    assert any(s == "n:record" and a.get("lhead") == "cluster_outcomes" and _on_path(a) for s, t, a in edges)
    for source, target, attrs in edges:
        if _on_path(attrs):
            assert PATH_LABEL in attrs["label"] and float(attrs["penwidth"]) >= 3, (source, target)
    # Each answer on the path, bar "I'm not sure", is on a highlighted arrow from its question.
    for step in walk:
        if step.answer == NOT_SURE:
            continue
        label = flat(live_flowchart.node(step.node).answer(step.answer).label)
        assert any(s == f"n:{step.node}" and _on_path(a) and label in flat(a["label"]) for s, t, a in edges), step


def test_a_shared_arrow_marks_which_of_its_answers_was_chosen(live_flowchart):
    walk = steps(*WALKS["outcome_share_with_consent"])
    _, edges = statements(to_dot(live_flowchart, walk))
    from_start = [flat(a["label"]) for s, t, a in edges if s == "n:start"]
    assert from_start == [
        "Someone has asked me to share information",
        "your path: • I want to share information • I want to ask for information",
    ]


def test_the_urgent_button_on_a_path_highlights_the_urgent_box_and_its_arrow(live_flowchart):
    walk = steps("start:want_to_share", "*:urgent", "consent_from_whom:adult_18_plus", "minimum_necessary:all_relevant")
    nodes, edges = statements(to_dot(live_flowchart, walk))
    assert _on_path(nodes["urgent"])
    assert [t for s, t, a in edges if s == "urgent" and _on_path(a)] == ["n:consent_from_whom"]
    assert _on_path(nodes["n:emergency_check"])  # where the button was pressed
    assert not _on_path(nodes["n:purpose"])


def test_a_path_stops_being_highlighted_at_a_step_the_flowchart_does_not_allow(live_flowchart):
    walked = path_edges(live_flowchart, [("start", "want_to_share"), ("purpose", "yes"), ("statutory_duty", "yes_duty")])
    assert walked.nodes == {"start", "emergency_check"}
    assert walked.outcome == ""


def test_without_a_path_nothing_carries_the_class(live_dot):
    assert PATH_CLASS not in live_dot
    assert PATH_LABEL not in live_dot


# -- escaping ---------------------------------------------------------------------------------


def test_dot_strings_escape_quotes_backslashes_and_ampersands():
    assert dot_string('say "hi"') == '"say \\"hi\\""'
    assert dot_string("C:\\temp\\n") == '"C:\\\\temp\\\\n"'
    assert dot_string("A & B &amp; <C>") == '"A &amp; B &amp;amp; <C>"'
    assert dot_string("two\nlines") == '"two\\nlines"'


HOSTILE = 'Is it "confidential" <b>& C:\\temp\\n &amp; ok?"]; evil [image="/etc/passwd"]; x="'


def hostile_flowchart():
    data = yaml.safe_load((SAMPLES / "minimal.yaml").read_text())
    data["nodes"][1]["question"] = HOSTILE
    data["nodes"][1]["answers"][0]["label"] = 'Yes "quoted" & <i>tagged</i>'
    return parse_flowchart(yaml.safe_dump(data, sort_keys=False).encode(), "hostile.yaml")


def test_labels_with_quotes_angle_brackets_ampersands_and_backslashes_stay_one_literal_label():
    flowchart = hostile_flowchart()
    dot = to_dot(flowchart)
    nodes, edges = statements(dot)
    assert flat(HOSTILE) in flat(nodes["n:confidential"]["label"])
    assert "evil" not in nodes and not any("evil" in (s, t) for s, t, _ in edges)
    assert "image" not in {k for attrs in nodes.values() for k in attrs}
    assert any('Yes "quoted" & <i>tagged</i>' in flat(a["label"]) for s, t, a in edges if s == "n:confidential")
