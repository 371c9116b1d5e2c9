"""The flowchart diagram with a path highlighted, on a recorded decision's page and a worked walk's page:
the decision's own path (urgent jump, "not sure" and back) on the decision's own flowchart version,
unique ids, no style attributes, cached, and a readable page when Graphviz is missing."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from isg.accounts.models import User
from isg.casestudies.services import current_library
from isg.engine import Step
from isg.engine.diagram import path_edges
from isg.flowchart import diagram
from isg.flowchart.path_diagram import DECISION_PREFIX, WALK_PREFIX, path_summary
from isg.flowchart.services import current_flowchart, flowchart_for
from tests.decisions.helpers import walk
from tests.engine.walks import WALKS, WALKS_1_0_1
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
FLOWCHART_1_0_1 = ROOT / "flowchart" / "archive" / "information-sharing-1.0.1.yaml"
SVG = "{http://www.w3.org/2000/svg}"
MISSING = "Graphviz, the program that draws it, is not installed on this server"

URGENT_PATH = ["emergency_check:no", "*:urgent", "consent_from_whom:adult_18_plus", "minimum_necessary:all_relevant",
               "recipient_check:yes_social_care", "secure_method:secure_email", "inform_person:will_inform"]
NOT_SURE_PATH = ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                 "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved", "confidential:yes",
                 "consent_safe_to_ask:yes_unsafe", "harm_threshold:yes_others_serious_harm",
                 "minimum_necessary:all_relevant", "recipient_check:yes_other", "secure_method:secure_email",
                 "inform_person:will_inform"]


@pytest.fixture(autouse=True)
def fresh_cache():
    diagram.clear_cache()
    yield
    diagram.clear_cache()


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setattr(diagram, "DOT_BINARY", str(tmp_path / "no-such-dot"))


@pytest.fixture
def dot_runs(monkeypatch):
    """Every Graphviz run, counted (other subprocesses pass through uncounted)."""
    runs = []
    real_run = subprocess.run

    def counting_run(args, *rest, **kwargs):
        if args and args[0] == diagram.DOT_BINARY:
            runs.append(args)
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(diagram.subprocess, "run", counting_run)
    return runs


def record(client, pairs, *, start="want_to_share"):
    """Walk `pairs` through the views (as a browser without JavaScript) and record the decision."""
    decision = walk(client, pairs, start=start)
    response = client.post(reverse("decisions:check", args=[decision.public_id]), {"revision": decision.revision})
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    decision.refresh_from_db()
    assert not decision.is_draft, decision.status
    return decision


def outcome_page(client, decision) -> str:
    response = client.get(reverse("decisions:outcome", args=[decision.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def svg_in(html: str, prefix: str) -> ET.Element:
    """The inline SVG whose title id starts with `prefix`, parsed."""
    marker = html.index(f'aria-labelledby="{prefix}-title"')
    start, end = html.rindex("<svg", 0, marker), html.index("</svg>", marker) + len("</svg>")
    return ET.fromstring(html[start:end])


def on_path(root: ET.Element, prefix: str) -> set[str]:
    """Ids (without the prefix) of the groups drawn as the path."""
    return {
        g.get("id").removeprefix(f"{prefix}-") for g in root.iter(f"{SVG}g")
        if g.get("id") and "isg-path" in (g.get("class") or "").split()
    }


def details(html: str, prefix: str) -> str:
    start = html.index(f'<details class="govuk-details isg-path-diagram" id="{prefix}">')
    return html[start:html.index("</details>", start)]


def expected_path(flowchart, steps, prefix_free_outcome: str) -> set[str]:
    walked = path_edges(flowchart, steps)
    return {f"node-{n}" for n in walked.nodes} | {f"outcome-{prefix_free_outcome}"}


# -- the decision's own path ------------------------------------------------------------------


def test_a_recorded_decision_shows_its_path_in_a_details_element_with_a_summary_and_a_link(signed_in):
    decision = record(signed_in, NOT_SURE_PATH)
    html = outcome_page(signed_in, decision)
    part = details(html, DECISION_PREFIX)
    assert "See your path on the flowchart diagram" in part
    flowchart = flowchart_for(decision.flowchart_id)
    title = flowchart.outcome(decision.outcome).text_for(decision.state, flowchart).title
    questions = len({s["node"] for s in decision.path})
    assert (f"Your path went through {questions} questions, with advice sought after “I&#x27;m not sure”, "
            f"to the outcome: {escape(title)}.") in part
    assert f'href="{reverse("flowchart:how_it_works")}"' in part
    # The frame can be reached and scrolled with the keyboard, and is named by its caption.
    assert (f'<div class="isg-diagram__scroll isg-path-diagram__scroll" tabindex="0" role="region" '
            f'aria-labelledby="{DECISION_PREFIX}-caption">') in part
    assert f'id="{DECISION_PREFIX}-caption"' in part and "css/diagram.css" in html
    # It comes after the list of answers, which the Graphviz-missing message points up to.
    assert html.index("Your record</h2>") < html.index(f'id="{DECISION_PREFIX}"') < html.index("Amendments</h2>")
    assert " style=" not in html and "<script>" not in part


def test_the_highlighted_path_is_the_decisions_own_with_the_not_sure_detour_and_the_return(signed_in):
    decision = record(signed_in, NOT_SURE_PATH)
    flowchart = flowchart_for(decision.flowchart_id)
    root = svg_in(outcome_page(signed_in, decision), DECISION_PREFIX)
    highlighted = on_path(root, DECISION_PREFIX)
    nodes = {i for i in highlighted if i.startswith(("node-", "outcome-"))}
    assert nodes == expected_path(flowchart, decision.steps, decision.outcome)
    assert {"not-sure", "edge-not-sure", "edge-seek_advice-resolved-return"} <= highlighted
    assert "edge-confidential-yes-consent_safe_to_ask" in highlighted
    assert "urgent" not in highlighted and not any(i.startswith("edge-urgent") for i in highlighted)
    # Exactly one outcome box is marked, and it is the one the decision recorded.
    assert [i for i in highlighted if i.startswith("outcome-")] == [f"outcome-{decision.outcome}"]
    assert "Your path is drawn with thick lines" in root.find(f"{SVG}desc").text


def test_an_urgent_press_is_drawn_as_the_jump_from_the_urgent_button(signed_in):
    decision = record(signed_in, URGENT_PATH)
    assert any(s["node"] == "*" for s in decision.path) and decision.outcome == "outcome_emergency_share"
    html = outcome_page(signed_in, decision)
    highlighted = on_path(svg_in(html, DECISION_PREFIX), DECISION_PREFIX)
    assert {"urgent", "edge-urgent-consent_from_whom", "node-consent_from_whom", "node-minimum_necessary",
            f"outcome-{decision.outcome}"} <= highlighted
    # Before the press the walk went start → emergency_check → purpose; purpose was never answered.
    assert "edge-emergency_check-no-purpose" in highlighted and "node-purpose" in highlighted
    assert any(i.startswith("edge-start-") for i in highlighted)
    assert not any(i.startswith("edge-purpose-") for i in highlighted)
    assert "with the urgent button pressed, to the outcome:" in details(html, DECISION_PREFIX)


def test_a_decision_made_under_1_0_1_is_drawn_on_the_1_0_1_flowchart(signed_in, settings):
    live_path = settings.ISG_FLOWCHART_PATH
    live = current_flowchart()
    settings.ISG_FLOWCHART_PATH = FLOWCHART_1_0_1
    pairs = list(WALKS_1_0_1["outcome_share_anonymised"])
    decision = record(signed_in, pairs[1:], start=pairs[0].split(":")[1])
    settings.ISG_FLOWCHART_PATH = live_path
    assert decision.flowchart_version == "1.0.1" and current_flowchart().version == live.version != "1.0.1"

    html = outcome_page(signed_in, decision)
    root = svg_in(html, DECISION_PREFIX)
    assert "(version 1.0.1)" in root.find(f"{SVG}title").text
    highlighted = on_path(root, DECISION_PREFIX)
    # Under 1.0.1 an anonymised share still asks whether to tell the person; 1.1 ends at secure_method.
    assert {"node-inform_person", "edge-secure_method-secure_email-inform_person"} <= highlighted
    old = flowchart_for(decision.flowchart_id)
    assert {i for i in highlighted if i.startswith(("node-", "outcome-"))} == expected_path(
        old, decision.steps, decision.outcome)
    part = details(html, DECISION_PREFIX)
    assert "Flowchart version 1.0.1, with the path drawn" in part
    assert f"(the current version, {live.version})" in part


def test_someone_else_reading_the_decision_sees_this_decisions_path(client, settings):
    agency = make_agency()
    owner = make_user(agency=agency)
    client.force_login(owner)
    decision = record(client, list(WALKS["outcome_share_no_consent_needed"])[1:], start="asked_to_share")
    client.force_login(make_user(role=User.Role.PARTNERSHIP))
    part = details(outcome_page(client, decision), DECISION_PREFIX)
    assert "See this decision&#x27;s path on the flowchart diagram" in part
    assert "This decision&#x27;s path went through" in part
    # The page's own words (the SVG labels the path "your path" whoever reads it).
    assert "Your path" not in part[:part.index("<svg")]


def test_every_id_on_the_outcome_page_is_unique(signed_in):
    html = outcome_page(signed_in, record(signed_in, NOT_SURE_PATH))
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert ids and [i for i, n in ids.items() if n > 1] == []
    # Every id inside the diagram carries this diagram's prefix, so a second diagram cannot clash.
    part = details(html, DECISION_PREFIX)
    assert all(i.startswith(DECISION_PREFIX) for i in re.findall(r'\sid="([^"]+)"', part))


def test_a_second_load_of_the_page_does_not_run_graphviz_again(signed_in, dot_runs):
    decision = record(signed_in, NOT_SURE_PATH)
    first = outcome_page(signed_in, decision)
    assert len(dot_runs) == 1
    second = outcome_page(signed_in, decision)
    assert len(dot_runs) == 1
    assert svg_in(first, DECISION_PREFIX) is not None and details(first, DECISION_PREFIX) == details(second, DECISION_PREFIX)


def test_without_graphviz_the_outcome_page_says_so_and_still_shows_the_record(signed_in, no_dot):
    decision = record(signed_in, NOT_SURE_PATH)
    html = outcome_page(signed_in, decision)
    part = details(html, DECISION_PREFIX)
    assert MISSING in part and f'id="{DECISION_PREFIX}-unavailable"' in part
    assert "Every question on this path, with its answer, is listed above." in part and "list below" not in part
    assert 'role="img"' not in html and f"{DECISION_PREFIX}-title" not in html
    assert "Your path went through" in part and f'href="{reverse("flowchart:how_it_works")}"' in part
    assert 'tabindex="0"' not in part  # no empty scrolling frame to tab to
    assert "Your record</h2>" in html and " style=" not in html


# -- the worked walks -------------------------------------------------------------------------


def walk_url(case, walk_) -> str:
    return reverse("casestudies:walk", args=[case.id, walk_.id])


def test_every_worked_walk_shows_its_own_path_to_its_expected_outcome(signed_in):
    flowchart = current_flowchart()
    walks = [(case, w) for case in current_library().cases for w in case.walks]
    assert len(walks) > 10
    for case, walk_ in walks:
        response = signed_in.get(walk_url(case, walk_))
        assert response.status_code == 200, walk_url(case, walk_)
        html = response.content.decode()
        part = details(html, WALK_PREFIX)
        assert "See this walk on the flowchart diagram" in part
        outcome = flowchart.outcome(walk_.expected_outcome)
        assert f"to the outcome: {escape(outcome.title)}." in part, walk_url(case, walk_)
        highlighted = on_path(svg_in(html, WALK_PREFIX), WALK_PREFIX)
        steps = [Step(node=s.node, answer=s.answer) for s in walk_.steps]
        assert {i for i in highlighted if i.startswith(("node-", "outcome-"))} == expected_path(
            flowchart, steps, walk_.expected_outcome), walk_url(case, walk_)
        if any(s.answer == "not_sure" for s in walk_.steps):
            assert "not-sure" in highlighted and "advice sought after" in part
        assert html.index("All the steps</h2>") < html.index(f'id="{WALK_PREFIX}"') < html.index('id="outcome"')
        assert " style=" not in html


def test_without_graphviz_a_walk_page_says_so_and_lists_the_steps(signed_in, no_dot):
    case = current_library().cases[0]
    html = signed_in.get(walk_url(case, case.walks[0])).content.decode()
    assert MISSING in details(html, WALK_PREFIX) and 'role="img"' not in html
    assert "All the steps</h2>" in html


def test_a_walk_page_loaded_twice_runs_graphviz_once(signed_in, dot_runs):
    case = current_library().cases[0]
    for _ in range(2):
        assert signed_in.get(walk_url(case, case.walks[0])).status_code == 200
    assert len(dot_runs) == 1


# -- the summary line -------------------------------------------------------------------------


@pytest.mark.parametrize(("pairs", "outcome", "expected"), [
    ([("start", "a")], "Do not share", "Your path went through 1 question to the outcome: Do not share."),
    ([("start", "a"), ("x", "not_sure"), ("seek_advice", "resolved"), ("x", "yes"), ("y", "not_sure"),
      ("seek_advice", "resolved"), ("y", "no")], "Share",
     "Your path went through 4 questions, with advice sought after “I'm not sure” (2 times), to the outcome: Share."),
    ([("start", "a"), ("*", "urgent"), ("z", "yes")], "Emergency share",
     "Your path went through 2 questions, with the urgent button pressed, to the outcome: Emergency share."),
    ([("start", "a")], "", "Your path went through 1 question, and has not reached an outcome."),
])
def test_the_summary_counts_questions_once_and_names_the_detours_and_the_outcome(pairs, outcome, expected):
    assert path_summary(pairs, outcome, lead="Your path went through") == expected
