"""The 1.1 format additions, walked on tests/engine/samples/features.yaml (and on 1.0.1 for replay)."""

from collections import deque
from pathlib import Path

import pytest

from isg.engine import (
    Answer,
    Field,
    InvalidStep,
    Step,
    advance,
    allowed_answers,
    begin,
    change_answer,
    is_complete,
    load_flowchart,
    matches,
    outcome_of,
    replay,
)

from .walks import WALKS_1_0_1, steps

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(scope="module")
def chart():
    return load_flowchart(SAMPLES / "features.yaml")


@pytest.fixture(scope="module")
def old_chart():
    return load_flowchart(SAMPLES / "information-sharing-1.0.1.yaml")


# -- conditions with lists ----------------------------------------------------------------------


def test_a_list_value_matches_any_of_its_values():
    condition = {"capacity": ("presumed", "has"), "decision": "share"}
    assert matches(condition, {"capacity": "has", "decision": "share"})
    assert matches(condition, {"capacity": "presumed", "decision": "share"})
    assert not matches(condition, {"capacity": "lacks", "decision": "share"})
    assert not matches(condition, {"decision": "share"})
    assert matches({"review_required": (True,)}, {"review_required": True})
    assert not matches({"review_required": (True,)}, {})


def test_list_conditions_are_loaded_as_tuples(chart):
    assert chart.node("consent").answer("refused").only_when == {"capacity": ("presumed", "has")}
    assert chart.node("share_what").answer("some").unless == {"consent_status": ("unable", "refused")}
    assert chart.node("record").fields[0].required_when == {"review_required": (True,)}


def test_outcome_when_with_a_list_value(chart):
    outcome = chart.outcome("outcome_share")
    assert outcome.applies_to({"decision": "share"})
    text = outcome.text_for({"decision": "share", "consent_status": "unable"}, chart)
    assert text.lawful_basis == ("Vital interests or best interests.",)


# -- conditional routes -------------------------------------------------------------------------

TO_CONSENT = ("start:give", "capacity_check:yes")


def test_a_conditional_route_is_taken_when_its_when_matches(chart):
    position = replay(chart, steps(*TO_CONSENT, "consent:unable"))
    assert position.at == "mca_support"


def test_the_route_when_reads_the_state_before_the_answer_sets_anything(chart):
    # `unable` sets capacity: lacks, yet the case `when: {capacity: presumed}` still matches:
    # it reads the state the question was asked in. The case's own set then applies last.
    position = replay(chart, steps(*TO_CONSENT, "consent:unable"))
    assert position.at == "mca_support"
    assert position.state["capacity"] == "presumed"
    assert position.state["consent_status"] == "unable"


def test_the_last_case_is_taken_otherwise_with_both_sets(chart):
    position = replay(chart, steps("start:give", "capacity_check:no", "consent:unable"))
    assert position.at == "share_what"
    assert dict(position.state) == {
        "direction": "give", "capacity": "lacks", "consent_status": "unable", "decision": "share",
    }


def test_answer_next_is_the_default_route_and_routes_hold_every_case(chart):
    unable = chart.node("consent").answer("unable")
    assert unable.next == "share_what"
    assert unable.is_conditional
    assert [r.next for r in unable.routes] == ["mca_support", "share_what"]
    assert unable.routes[0].when == {"capacity": "presumed"}
    assert unable.routes[-1].when == {}
    assert unable.requires_rationale  # a case or the answer sets consent_status / decision
    given = chart.node("consent").answer("given")
    assert not given.is_conditional
    assert [r.next for r in given.routes] == ["share_what"]


def test_an_answer_built_in_code_gets_one_default_route():
    answer = Answer(id="go", label="Go", next="somewhere")
    assert [(r.next, dict(r.when)) for r in answer.routes] == [("somewhere", {})]


def test_each_route_reaches_its_outcome(chart):
    via_mca = replay(chart, steps(*TO_CONSENT, "consent:unable", "mca_support:still_unable", "share_what:all"))
    assert outcome_of(chart, via_mca).id == "outcome_best_interests"
    direct = replay(chart, steps("start:give", "capacity_check:no", "consent:unable", "share_what:all"))
    assert outcome_of(chart, direct).id == "outcome_share"


def test_change_answer_rewalks_through_a_conditional_node(chart):
    walk = steps("start:give", "capacity_check:no", "consent:unable", "share_what:all")
    # Presumed capacity sends the same `unable` answer to mca_support: share_what waits until then.
    rewalk = change_answer(chart, walk, 1, Step("capacity_check", "yes"))
    assert rewalk.position.at == "mca_support"
    assert [s.node for s in rewalk.position.steps] == ["start", "capacity_check", "consent"]
    assert [s.node for s in rewalk.dropped] == ["share_what"]
    # And back again: the kept steps follow the default route to the end.
    longer = steps(*TO_CONSENT, "consent:unable", "mca_support:still_unable", "share_what:all")
    back = change_answer(chart, longer, 1, Step("capacity_check", "no"))
    assert is_complete(chart, back.position)
    assert [s.node for s in back.dropped] == ["mca_support"]
    assert outcome_of(chart, back.position).id == "outcome_share"


def test_a_loop_through_a_route_back_to_the_same_question(chart):
    walk = steps(*TO_CONSENT, "consent:unable", "mca_support:regained", "consent:unable")
    position = replay(chart, walk)
    # capacity is now `has`, so `unable` takes the default route this time.
    assert position.at == "share_what"


# -- only_when ----------------------------------------------------------------------------------


def test_only_when_offers_an_answer_only_when_the_state_matches(chart):
    presumed = replay(chart, steps(*TO_CONSENT))
    assert allowed_answers(chart, presumed) == ("given", "refused", "unable", "not_sure")
    lacking = replay(chart, steps("start:give", "capacity_check:no"))
    assert allowed_answers(chart, lacking) == ("given", "unable", "not_sure")
    with pytest.raises(InvalidStep, match="'refused' is not an answer 'consent' accepts here"):
        advance(chart, lacking, Step("consent", "refused"))


def test_only_when_with_a_second_listed_value(chart):
    regained = replay(chart, steps(*TO_CONSENT, "consent:unable", "mca_support:regained"))
    assert "refused" in allowed_answers(chart, regained)


def test_unless_with_a_list_value(chart):
    given = replay(chart, steps(*TO_CONSENT, "consent:given"))
    assert "some" in allowed_answers(chart, given)
    unable = replay(chart, steps("start:give", "capacity_check:no", "consent:unable"))
    assert "some" not in allowed_answers(chart, unable)


def test_only_when_and_unless_together():
    answer = Answer(id="a", label="A", next="x", only_when={"capacity": ("presumed", "has")}, unless={"decision": "share"})
    assert answer.is_offered({"capacity": "has"})
    assert not answer.is_offered({"capacity": "has", "decision": "share"})
    assert not answer.is_offered({"capacity": "lacks"})


# -- display text -------------------------------------------------------------------------------


def test_question_and_hint_variants(chart):
    node = chart.node("capacity_check")
    assert node.question == "Can the person agree to you sharing?"  # the default, for places with no state
    assert node.question_for({"direction": "request"}) == "Can the person agree to you asking?"
    assert node.question_for({"direction": "give"}) == "Can the person agree to you sharing?"
    assert node.hint_for({"direction": "request"}) == "Assume they can unless there is a reason to doubt it."
    consent = chart.node("consent")
    assert consent.hint == "Ask again now they can decide."
    assert consent.hint_for({"capacity": "lacks"}) == "Ask whoever can decide for them."
    assert consent.hint_for({"capacity": "presumed", "direction": "request"}) == "Ask the person."
    assert consent.hint_for({"capacity": "presumed"}) == "Ask again now they can decide."  # direction unset
    assert consent.hint_for({"capacity": "has"}) == "Ask again now they can decide."


def test_outcome_text_for_filters_by_the_final_state(chart):
    state = replay(chart, steps("start:request", "capacity_check:no", "consent:given", "share_what:all")).state
    outcome = outcome_of(chart, replay(chart, steps("start:request", "capacity_check:no", "consent:given", "share_what:all")))
    assert outcome.id == "outcome_share"
    text = outcome.text_for(state, chart)
    assert text.title == "Request"
    assert text.summary == "Based on your answers, the guidance supports it."
    assert text.what_to_do == ("Share securely.", "Say that the holder makes its own decision.")
    assert text.lawful_basis == ("Consent.",)
    assert text.record_must_contain == ("What was shared.",)
    assert text.reminder == "This record does not replace a referral to social care."
    assert text.after_sharing == ("Record what you shared, when and with whom.", "Record what you received.")
    given = outcome.text_for({**state, "direction": "give"}, chart)
    assert given.title == "Share"
    assert given.what_to_do == ("Share securely.",)
    assert given.after_sharing == ("Record what you shared, when and with whom.",)


def test_after_sharing_is_only_on_share_outcomes(chart):
    state = replay(chart, steps(*TO_CONSENT, "consent:refused")).state
    outcome = chart.outcome_for(state)
    assert outcome.id == "outcome_no" and not outcome.shares
    text = outcome.text_for(state, chart)
    assert text.after_sharing == ()
    assert text.reminder == "This record does not replace a referral to social care."
    assert text.title == "Do not share"
    assert text.summary == "They refused."
    assert text.what_to_do == ("Record your reasons.", "Tell them they can change their mind.")
    assert outcome.text_for({"decision": "do_not_share", "direction": "request"}, chart).title == "Do not request"


def test_plain_outcome_attributes_hold_the_defaults(chart):
    outcome = chart.outcome("outcome_share")
    assert outcome.title == "Share"
    assert outcome.what_to_do == ("Share securely.",)  # lines with no `when`
    assert [t.text for t in outcome.what_to_do_items] == ["Share securely.", "Say that the holder makes its own decision."]
    assert outcome.lawful_basis == ()
    assert outcome.shares and not chart.outcome("outcome_advice").shares


def test_reminder_after_sharing_and_glossary_are_loaded(chart):
    assert chart.reminder.startswith("This record does not replace")
    assert [t.text for t in chart.after_sharing] == ["Record what you shared, when and with whom.", "Record what you received."]
    term = chart.glossary_term("best_interests")
    assert term.term == "Best interests"
    assert term.aliases == ("best-interests decision",)
    assert term.names == ("Best interests", "best-interests decision")
    assert term.sources[0].url.endswith("/section/4")
    assert term.line == 11
    assert [t.id for t in chart.glossary] == ["best_interests", "marac"]


# -- fields -------------------------------------------------------------------------------------


def test_confirm_field_and_required_for(chart):
    accurate = chart.node("share_what").fields[0]
    assert accurate.type == "confirm"
    assert accurate.is_required(answer="all", state={})
    assert not accurate.is_required(answer="some", state={})


def test_shown_for_limits_a_field_to_its_answers(chart):
    basis = next(f for f in chart.node("share_what").fields if f.id == "basis")
    assert basis.shown_for == {"all", "some"}
    assert basis.is_shown_for("all") and not basis.is_shown_for("not_sure")
    other = next(f for f in chart.node("share_what").fields if f.id == "basis_other")
    assert other.is_required(answer="all", state={}, values={"basis": "other"})
    assert not other.is_required(answer="all", state={}, values={"basis": "law"})
    assert not other.is_required(answer="not_sure", state={}, values={"basis": "other"})  # not shown


def test_required_if_on_a_confirm_box(chart):
    checked_by = next(f for f in chart.node("share_what").fields if f.id == "checked_by")
    assert checked_by.required_if == {"accurate": True}
    assert checked_by.is_required(answer="some", state={}, values={"accurate": "on"})
    assert checked_by.is_required(answer="some", state={}, values={"accurate": True})
    assert not checked_by.is_required(answer="some", state={}, values={})
    assert not checked_by.is_required(answer="some", state={})  # the old call signature still works


def test_required_when_with_a_list_value(chart):
    review = chart.node("record").fields[0]
    assert review.is_required(answer=None, state={"review_required": True})
    assert not review.is_required(answer=None, state={})


def test_field_built_in_code_keeps_its_old_behaviour():
    field = Field(id="x", label="X", required_for=frozenset({"yes"}))
    assert field.is_required(answer="yes", state={})
    assert not field.is_required(answer="no", state={})


# -- proofs and 1.0.1 ----------------------------------------------------------------------------


def test_every_node_and_outcome_of_the_sample_is_reachable_by_walking(chart):
    """Breadth-first with the real engine: every node, and every outcome rule, is reached."""
    seen, outcomes, nodes = set(), set(), set()
    queue = deque([begin()])
    while queue:
        position = queue.popleft()
        nodes.add(position.at)
        if is_complete(chart, position):
            outcomes.add(outcome_of(chart, position).id)
            continue
        for answer in (*allowed_answers(chart, position), "urgent"):
            step = Step("*" if answer == "urgent" else position.at, answer)
            following = advance(chart, position, step)
            key = (following.at, tuple(sorted(following.state.items())), following.return_to)
            if key not in seen:
                seen.add(key)
                queue.append(following)
    assert nodes == set(chart.nodes)
    assert outcomes == {o.id for o in chart.outcomes}


@pytest.mark.parametrize("outcome_id", list(WALKS_1_0_1))
def test_version_1_0_1_still_loads_and_replays_identically(old_chart, outcome_id):
    position = replay(old_chart, steps(*WALKS_1_0_1[outcome_id]))
    assert outcome_of(old_chart, position).id == outcome_id
    assert old_chart.version == "1.0.1"
    assert old_chart.reminder == "" and old_chart.glossary == () and old_chart.after_sharing == ()
    outcome = old_chart.outcome(outcome_id)
    text = outcome.text_for(position.state, old_chart)
    assert (text.title, text.summary, text.what_to_do) == (outcome.title, outcome.summary, outcome.what_to_do)
    assert all(not a.is_conditional for n in old_chart.nodes.values() for a in n.answers)


def test_the_outcome_search_keeps_only_variables_a_later_condition_reads(chart):
    from isg.engine.search import live_variables, route_reads

    live = live_variables(chart, route_reads(chart))
    # capacity is read by only_when and a route `when` at consent; every answer at capacity_check and
    # at mca_support sets it afresh, so its earlier value is dead there.
    assert "capacity" in live["consent"]
    assert "capacity" not in live["capacity_check"] and "capacity" not in live["mca_support"]
    # After consent nothing reads capacity again, so states that differ only in it are merged.
    assert "capacity" not in live["share_what"] and "capacity" not in live["record"]
    # direction is read only by display text: it never changes a route or an outcome.
    assert all("direction" not in names for names in live.values())
    # Outcome rules' variables are live until the end.
    assert {"decision", "consent_status", "review_required", "emergency", "unresolved"} <= live["record"]
