"""Why a walk has its outcome, and what each other answer to a deciding question would give."""

import re

import pytest

from isg.engine import Step, outcome_of, parse_flowchart, replay
from isg.engine.explain import explain

from .walks import EXTRA_WALKS, WALKS, steps

# A small hand-made flowchart: who it is about (read by one rule), consent, risk, a balance question.
SMALL = b"""
version: "explain-1"
title: "A small flowchart for explaining outcomes"
variables:
  emergency: boolean
  who: [child, adult]
  consent: [given, refused]
  decision: [share, do_not_share]
  unresolved: boolean
urgent:
  label: "Someone is in danger now"
  next: method
  set: {emergency: true, decision: share}
nodes:
  - id: start
    question: "Who is it about?"
    not_sure: false
    answers:
      - {id: child, label: "A child", next: consent, set: {who: child}}
      - {id: adult, label: "An adult", next: consent, set: {who: adult}}
  - id: consent
    question: "Did they agree to sharing?"
    answers:
      - {id: "yes", label: "Yes, they agreed", next: method, set: {consent: given}}
      - {id: "no", label: "No, they refused", next: risk, set: {consent: refused}}
  - id: risk
    question: "How serious is the risk?"
    answers:
      - {id: high, label: "Serious harm", next: method, set: {decision: share}}
      - {id: low, label: "A lower-level need", next: balance}
      - {id: none, label: "No risk", next: record, set: {decision: do_not_share}}
  - id: balance
    question: "Does the public interest outweigh their privacy?"
    answers:
      - {id: "yes", label: "Yes, it does", next: method, set: {decision: share}}
      - {id: "no", label: "No, it does not", next: record, set: {decision: do_not_share}}
  - id: method
    question: "How will you share it?"
    answers:
      - {id: secure, label: "Securely", next: record}
  - id: seek_advice
    question: "Who did you ask?"
    not_sure: false
    answers:
      - {id: resolved, label: "Resolved", next: "@return"}
      - {id: unresolved, label: "Unresolved", next: record, set: {unresolved: true}}
  - id: record
    question: "Check"
    terminal: true
outcomes:
  - {id: outcome_emergency, title: "Share now", when: {emergency: true}}
  - {id: outcome_advice, title: "Get advice", when: {unresolved: true}}
  - {id: outcome_consent, title: "Share with consent", when: {consent: given}}
  - {id: outcome_no, title: "Do not share", when: {decision: do_not_share}}
  - {id: outcome_child, title: "Refer the child", when: {decision: share, who: child}}
  - {id: outcome_share, title: "Share without consent", when_any: [{decision: share}]}
"""


@pytest.fixture(scope="module")
def small():
    return parse_flowchart(SMALL, "small.yaml")


def alternatives(deciding):
    return {a.answer: a for a in deciding.alternatives}


def test_an_unfinished_walk_has_no_explanation_yet(small):
    assert explain(small, steps("start:adult", "consent:no")) is None


def test_the_rule_names_the_answer_it_read_and_each_other_answer_is_re_walked(small):
    why = explain(small, steps("start:adult", "consent:no", "risk:high", "method:secure"))
    assert (why.outcome, why.title) == ("outcome_share", "Share without consent")
    assert why.condition == ("You answered \u201cSerious harm\u201d to \u201cHow serious is the risk?\u201d",)
    [risk] = why.deciding
    assert (risk.index, risk.question, risk.label, risk.variables) == (2, "How serious is the risk?", "Serious harm",
                                                                       ("decision",))
    other = alternatives(risk)
    assert set(other) == {"low", "none"}  # never "I'm not sure": that leads to advice, not an outcome
    # "No risk" ends the walk: an exact outcome.
    assert (other["none"].outcome, other["none"].outcome_title, other["none"].same_outcome) == (
        "outcome_no", "Do not share", False)
    # "A lower-level need" asks a question this walk never answered: named, no outcome guessed.
    assert other["low"].leads_to_other_questions
    assert (other["low"].outcome, other["low"].next_node) == ("", "balance")
    assert other["low"].next_question == "Does the public interest outweigh their privacy?"


def test_a_later_answer_is_re_applied_when_the_path_still_reaches_it(small):
    walk = steps("start:child", "consent:no", "risk:high", "method:secure")
    why = explain(small, walk)
    assert why.outcome == "outcome_child"
    assert [d.node for d in why.deciding] == ["start", "risk"]  # in path order
    assert [d.variables for d in why.deciding] == [("who",), ("decision",)]
    # An adult instead: the same three later answers still apply, so the outcome is exact.
    adult = alternatives(why.deciding[0])["adult"]
    assert (adult.outcome, adult.outcome_title) == ("outcome_share", "Share without consent")
    assert replay(small, [Step("start", "adult"), *walk[1:]]).at == "record"
    # Consent given skips the risk question; the method answer still applies: exact, not guessed.
    assert explain(small, steps("start:child", "consent:yes", "method:secure")).deciding[0].node == "consent"
    refused = alternatives(explain(small, steps("start:child", "consent:yes", "method:secure")).deciding[0])["no"]
    assert (refused.outcome, refused.next_question) == ("", "How serious is the risk?")


def test_the_same_outcome_is_marked_as_such(small):
    why = explain(small, steps("start:adult", "consent:no", "risk:low", "balance:no"))
    assert why.outcome == "outcome_no"
    [balance] = why.deciding
    share = alternatives(balance)["yes"]
    # "Yes" leads on to the method question, which this walk never reached.
    assert (share.outcome, share.next_node) == ("", "method")
    risk_none = explain(small, steps("start:adult", "consent:no", "risk:none"))
    high = alternatives(risk_none.deciding[0])["high"]
    assert (high.outcome, high.next_question) == ("", "How will you share it?")
    assert not any(a.same_outcome for a in risk_none.deciding[0].alternatives)


def test_the_urgent_button_is_the_deciding_answer_with_nothing_else_to_choose(small):
    why = explain(small, steps("start:adult", "*:urgent", "method:secure"))
    assert why.outcome == "outcome_emergency"
    [urgent] = why.deciding
    assert urgent.is_urgent and urgent.alternatives == ()
    assert why.condition == ("You pressed \u201cSomeone is in danger now\u201d",)


# -- the shipped flowchart ----------------------------------------------------------------------

ALL_WALKS = {**WALKS, **EXTRA_WALKS}
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")  # a variable, value, node or outcome id


@pytest.mark.parametrize("name", list(ALL_WALKS))
def test_every_shipped_walk_is_explained_in_the_flowchart_s_own_words(live_flowchart, name):
    walk = steps(*ALL_WALKS[name])
    why = explain(live_flowchart, walk)
    assert why.outcome == outcome_of(live_flowchart, replay(live_flowchart, walk)).id
    assert why.deciding and why.condition
    texts = [why.title, *why.condition]
    for deciding in why.deciding:
        texts += [deciding.question, deciding.label]
        for alternative in deciding.alternatives:
            texts += [alternative.label, alternative.outcome_title, alternative.next_question]
            # Either an exact outcome or the question it leads to, never both, never neither.
            assert bool(alternative.outcome) != bool(alternative.next_node)
            assert alternative.same_outcome == (alternative.outcome == why.outcome)
    assert not [text for text in texts if CODE.search(text)]


def test_serious_harm_to_others_would_not_be_shared_on_no_and_lower_need_asks_the_balance(live_flowchart):
    why = explain(live_flowchart, steps(*WALKS["outcome_share_without_consent"]))
    [harm] = why.deciding
    assert harm.node == "harm_threshold"
    other = alternatives(harm)
    assert other["no_risk"].outcome == "outcome_do_not_share"
    assert other["yes_child_significant_harm"].same_outcome
    assert other["lower_level_need"].next_node == "public_interest_balance"
    assert other["lower_level_need"].next_question == live_flowchart.node("public_interest_balance").question


def test_a_limited_public_interest_share_would_be_a_full_share_or_none(live_flowchart):
    why = explain(live_flowchart, steps(*WALKS["outcome_share_limited"]))
    [balance] = why.deciding
    other = alternatives(balance)
    assert other["share_full"].outcome == "outcome_share_without_consent"
    assert other["no"].outcome == "outcome_do_not_share"


def test_an_emergency_without_the_danger_goes_on_to_the_questions_it_skipped(live_flowchart):
    why = explain(live_flowchart, steps(*WALKS["outcome_emergency_share"]))
    [danger] = why.deciding
    assert danger.node == "emergency_check"
    [no] = danger.alternatives
    assert (no.outcome, no.next_node) == ("", "purpose")
