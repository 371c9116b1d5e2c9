from isg.casestudies.filters import LibraryFilter, case_outcomes, filter_cases, search_words
from isg.casestudies.services import current_library
from isg.flowchart.services import current_flowchart


def ids(wanted):
    return [case.id for case in filter_cases(current_library().cases, wanted)]


def test_empty_filter_matches_everything():
    assert len(ids(LibraryFilter())) == 25
    assert not LibraryFilter().is_active


def test_search_words_drop_case_and_surrounding_punctuation():
    assert search_words("  Station, WAGON!  ") == ("station", "wagon")
    assert search_words("... ") == ()


def test_case_outcomes_include_the_stated_outcome_and_walk_outcomes():
    assert case_outcomes(current_library().case("cs20")) == {"outcome_share_without_consent", "outcome_do_not_share"}
    assert case_outcomes(current_library().case("gp4")) == set()


def test_node_filter_matches_either_side_of_the_link():
    node = current_flowchart().node("harm_threshold")
    found = ids(LibraryFilter(node=node))
    assert "cs13" in found  # named on both sides
    assert "cs18" in found  # named by the question's case_studies only
    assert "cs02" not in found  # its 1.2 walk asks about harm after best interests, not here
    assert "gp1" not in found


def test_filters_combine():
    assert ids(LibraryFilter(subjects=frozenset({"unborn"}), theme="pre_birth", agency="midwifery")) == ["cs21", "gp1", "gp3"]


def test_alternative_walks_do_not_make_a_case_illustrate_their_outcome():
    # cs05's alternative walk (the manager says no) ends in "seek advice"; the document's case does not.
    case = current_library().case("cs05")
    assert any(w.alternative and w.expected_outcome == "outcome_seek_advice" for w in case.walks)
    assert "outcome_seek_advice" not in case_outcomes(case)
    assert "cs05" not in ids(LibraryFilter(outcomes=frozenset({"outcome_seek_advice"})))
