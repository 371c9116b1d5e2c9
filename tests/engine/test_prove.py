"""The safety rules (flowchart.md 8.3): proven on the shipped file, and each one caught when broken.

Every rule has a small mutation of the shipped YAML that breaks it; the prover must find the break
and give a counterexample that the engine replays to the place the rule fails.
"""

from pathlib import Path

import pytest

from isg.engine import FlowchartError, is_complete, outcome_of, parse_flowchart, replay
from isg.engine.prove import final_states, prove

from .walks import steps

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "flowchart" / "information-sharing.yaml").read_text(encoding="utf-8")


def mutated(*replacements: tuple[str, str]):
    text = SHIPPED
    for old, new in replacements:
        assert text.count(old) == 1, f"the mutation's anchor must be unique: {old!r}"
        text = text.replace(old, new)
    return parse_flowchart(text.encode(), "mutated.yaml")


# Each: the rule, and the smallest edit of the shipped file that breaks it.
MUTATIONS = {
    # A child who was under 13 ends in "do not share".
    "S1": [("""        next: minimum_necessary
        # Sexual activity or abuse involving a child is never public or trivial information.
        set: {harm_level: serious, harm_ground: under_13, consent_status: not_needed, sexual_flags: true, confidential: "yes", decision: share}""",
            """        next: record
        set: {harm_level: serious, harm_ground: under_13, consent_status: not_needed, sexual_flags: true, decision: do_not_share, review_required: true}""")],
    # An attorney offered for a 16 or 17-year-old.
    "S2": [("""        set: {consenter: attorney}
        only_when: {subject_type: [adult, unborn]}""", """        set: {consenter: attorney}
        only_when: {subject_type: [adult, unborn, young_person_16_17]}""")],
    # Every share without consent is shared first and reviewed after.
    "S3": [("""        mode: after_sharing
      - mode: before_sharing
    shares: true
    title:
      - when: {direction: want_to_request}
        text: "Request without consent\"""", """        mode: after_sharing
      - mode: after_sharing
    shares: true
    title:
      - when: {direction: want_to_request}
        text: "Request without consent\"""")],
    # The FGM report may go to children's social care instead of the police.
    "S4": [("""        set: {recipient_route: statutory, recipient_kind: social_care}
        unless: {duty_basis: fgm_report}""", """        set: {recipient_route: statutory, recipient_kind: social_care}""")],
    # A child under 16 goes straight to the confidentiality question.
    "S5": [("""        hint: "You will be asked about sexual activity under 13 and signs of abuse or exploitation next."
        next: sexual_activity_screen""", """        hint: "You will be asked about sexual activity under 13 and signs of abuse or exploitation next."
        next: parental_responsibility""")],
    # A public-interest "no" is not reviewed.
    "S6": [("""        set: {public_interest: "no", decision: do_not_share, review_required: true}""",
            """        set: {public_interest: "no", decision: do_not_share}""")],
    # No reminder.
    "S7": [("""reminder: "This record does not replace a referral.""", """reminder: ""
# "This record does not replace a referral.""")],
    # An unchecked requester goes on to the questions.
    "S8": [("""        next: record
        set: {requester_verified: "no", decision: do_not_share, review_required: true}""",
            """        next: emergency_check
        set: {requester_verified: "no"}""")],
    # The adult's-refusal line shown on capacity alone (a 16 or 17-year-old has capacity too).
    "S9": [("""      - when: [{consent_status: refused, capacity: [presumed, has_capacity], subject_type: adult}, {consent_status: refused, capacity: [presumed, has_capacity], mother_age: "18_plus"}]
        tags: [adult_only]""", """      - when: {consent_status: refused, capacity: [presumed, has_capacity]}
        tags: [adult_only]""")],
    # "Yes, someone could be identified" no longer asks who it is about.
    "S10": [("""        next: consent_from_whom
        set: {identifiable: true}""", """        next: confidential
        set: {identifiable: true}""")],
    # Another organisation skips the secure-method question.
    "S11": [("""        next: secure_method
        set: {recipient_route: other, recipient_kind: other}""", """        next: inform_person
        set: {recipient_route: other, recipient_kind: other}""")],
    # The limited-share outcome loses its appropriate-policy-document line.
    "S12": [("""      - tags: [appropriate_policy_document]
        text: "Conditions in Schedule 1 Part 2 (such as paragraphs 10 and 18) need an appropriate policy document: check your organisation has one. A disclosure to the police under paragraph 10 does not (paragraph 10(2))."
      - when: {consent_status: refused}
        text: "Where you rely on public task or legitimate interests, the person's refusal is also an objection (UK GDPR Article 21): record the compelling grounds that justify sharing this part.\"""",
             """      - when: {consent_status: refused}
        text: "Where you rely on public task or legitimate interests, the person's refusal is also an objection (UK GDPR Article 21): record the compelling grounds that justify sharing this part.\"""")],
    # Children's records kept only to 18.
    "S13": [("""      years: 7
      until_age: 25""", """      years: 7
      until_age: 18""")],
}


@pytest.fixture(scope="module")
def shipped_proof(live_flowchart):
    return prove(live_flowchart)


def test_the_shipped_flowchart_proves_all_thirteen_rules(shipped_proof):
    assert shipped_proof.ok, [c.describe() for c in shipped_proof.broken]
    assert [rule.id for rule in shipped_proof.rules] == [f"S{n}" for n in range(1, 14)]
    assert shipped_proof.summary() == f"proven 13 rules over {shipped_proof.final_states} final states"
    assert shipped_proof.final_states > 100


def test_every_rule_has_a_mutation_that_breaks_it():
    assert set(MUTATIONS) == {f"S{n}" for n in range(1, 14)}


@pytest.mark.parametrize("rule_id", list(MUTATIONS))
def test_prove_catches_each_rule_broken_and_its_counterexample_replays_to_the_break(rule_id):
    flowchart = mutated(*MUTATIONS[rule_id])
    proof = prove(flowchart, [rule_id])
    assert not proof.ok
    assert {c.rule.id for c in proof.broken} == {rule_id}
    counterexample = proof.broken[0]
    position = replay(flowchart, steps(*(f"{s['node']}:{s['answer']}" for s in counterexample.steps)))
    assert position.at == counterexample.at
    assert dict(position.state) == counterexample.state


def test_the_s1_counterexample_is_a_shortest_walk_to_do_not_share():
    flowchart = mutated(*MUTATIONS["S1"])
    counterexample = prove(flowchart, ["S1"]).broken[0]
    position = replay(flowchart, steps(*(f"{s['node']}:{s['answer']}" for s in counterexample.steps)))
    assert is_complete(flowchart, position) and outcome_of(flowchart, position).id == "outcome_do_not_share"
    assert position.state["harm_level"] == "serious"
    # start, emergency_check, purpose, statutory_duty, identifiable, who it is about, confidential, the screen
    assert [s["node"] for s in counterexample.steps][-2:] == ["confidential", "sexual_activity_screen"]
    assert len(counterexample.steps) == 8


def test_a_rule_the_mutation_does_not_touch_stays_proven():
    assert prove(mutated(*MUTATIONS["S13"]), ["S1", "S7"]).ok


def test_final_states_give_the_approval_workflow_every_mode_and_harm(live_flowchart):
    states = final_states(live_flowchart)
    modes = {live_flowchart.approval_mode_for(s) for s in states}
    assert modes == {"none", "before_sharing", "after_sharing"}
    assert any(s.get("harm_level") == "serious" for s in states)


# -- the check language is validated like the rest of the file ------------------------------------


def problems(*replacements) -> list[str]:
    with pytest.raises(FlowchartError) as caught:
        mutated(*replacements)
    return [str(p) for p in caught.value.problems]


def test_a_check_on_an_unknown_variable_is_refused_with_its_line():
    found = problems(("        if: {capacity: [presumed, has_capacity, gillick_competent]}",
                      "        if: {capacity_level: [presumed, has_capacity, gillick_competent]}"))
    assert any("uses the unknown variable 'capacity_level'" in p for p in found)


def test_a_check_looking_for_a_tag_no_text_carries_is_refused():
    found = problems(("        require: {shows: child_only_consent}", "        require: {shows: child_only_consnt}"))
    assert any("looks for the tag 'child_only_consnt', which no text carries" in p for p in found)


def test_outcome_is_known_only_at_the_end():
    found = problems(("      - at: minimum_necessary\n        if: {direction: [asked_to_share, null]}",
                      "      - at: minimum_necessary\n        if: {outcome: outcome_do_not_share}"))
    assert any("'outcome' is known only at 'record'" in p for p in found)


def test_a_check_must_say_where_it_applies():
    found = problems(("      - at: consent_outcome\n", "      - at: consent_outcomes\n"))
    assert any("`at` must name a node" in p for p in found)


def test_a_rule_without_checks_is_not_proven_and_is_refused():
    found = problems(("""    checks:
      - at: record
        require: {shows: reminder}""", """    checks: []"""))
    assert any("has no checks" in p for p in found)
