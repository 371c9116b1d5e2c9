import pytest

from isg.casestudies import training
from isg.casestudies.services import current_library
from isg.engine import InvalidStep, Step
from isg.flowchart.services import current_flowchart


@pytest.fixture
def flowchart():
    return current_flowchart()


@pytest.fixture
def library():
    return current_library()


def test_every_worked_walk_compared_with_itself_has_no_difference(flowchart, library):
    for case in library.cases:
        for walk in case.walks:
            comparison = training.compare(flowchart, walk, walk.engine_steps())
            assert comparison.is_same_walk, (case.id, walk.id)
            assert comparison.same_outcome, (case.id, walk.id)


def test_model_step_lines_up_a_second_visit_with_the_walks_second_answer(library):
    walk = library.case("cs15").walk("health_visitor")
    steps = walk.engine_steps()
    first = next(i for i, s in enumerate(steps) if s.node == "consent_scope")
    second = next(i for i, s in enumerate(steps) if s.node == "consent_scope" and i > first)
    assert training.model_step_for(walk, steps[:first], "consent_scope").answer == "no"
    assert training.model_step_for(walk, steps[:second], "consent_scope").answer == "yes"
    assert training.model_step_for(walk, steps, "consent_scope") is None


def test_model_step_is_none_for_a_question_the_walk_never_asks(library):
    walk = library.case("cs13").walk("main")
    assert training.model_step_for(walk, (), "fraser_check") is None


def test_first_difference_is_where_the_runs_part(flowchart, library):
    walk = library.case("cs13").walk("main")
    steps = list(walk.engine_steps())
    steps[10] = Step("consent_outcome", "given")
    run = training.answer_step(flowchart, steps[:10], 10, "consent_outcome", "given")
    comparison = training.compare(flowchart, walk, run)
    assert comparison.first_difference.number == 11
    assert comparison.first_difference.model_answer == flowchart.node("consent_outcome").answer("refused").label
    assert [row.question for row in comparison.missed] == [flowchart.node("harm_threshold").question]


def test_answer_step_refuses_a_question_that_is_not_the_current_one(flowchart):
    with pytest.raises(training.WrongQuestion):
        training.answer_step(flowchart, (), 0, "purpose", "yes")
    with pytest.raises(training.WrongQuestion):
        training.answer_step(flowchart, (), 3, "start", "want_to_share")


def test_answer_step_refuses_an_answer_the_question_does_not_offer(flowchart):
    with pytest.raises(InvalidStep):
        training.answer_step(flowchart, (), 0, "start", "maybe")


def test_answer_step_keeps_later_answers_only_when_the_answer_is_unchanged(flowchart):
    run = (Step("start", "want_to_share"), Step("emergency_check", "no"), Step("purpose", "yes"))
    assert training.answer_step(flowchart, run, 1, "emergency_check", "no") == run
    assert training.answer_step(flowchart, run, 1, "emergency_check", "not_sure") == (run[0], Step("emergency_check", "not_sure"))


def test_malformed_session_data_reads_as_an_empty_run():
    assert training.stored_steps({"training": {"cs13/main": [["start"]]}}, "cs13/main") == ()
    assert training.stored_steps({"training": {"cs13/main": 5}}, "cs13/main") == ()
    assert training.stored_steps({}, "cs13/main") == ()


def test_urgent_step_is_labelled_with_the_urgent_button(flowchart):
    assert training.step_question(flowchart, "*") == flowchart.urgent.label
    assert training.step_answer(flowchart, "*", "urgent") == training.URGENT_ANSWER_LABEL
