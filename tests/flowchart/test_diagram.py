"""The flowchart diagram as SVG (Graphviz), its page with the text alternative, and what happens without Graphviz."""

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from django.utils.html import escape

from isg.engine import load_flowchart, parse_flowchart
from isg.flowchart import diagram
from isg.flowchart.diagram import GraphvizMissing, GraphvizTimeout, render_svg
from tests.engine.walks import WALKS, steps
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT / "flowchart" / "information-sharing.yaml"
MINIMAL = ROOT / "tests" / "engine" / "samples" / "minimal.yaml"
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
URLS = "tests.flowchart.diagram_urls"
PAGE = "/flowchart/how-it-works/"
SVG_URL = "/flowchart/how-it-works/diagram.svg"



@pytest.fixture(autouse=True)
def fresh_cache():
    diagram.clear_cache()
    yield
    diagram.clear_cache()


@pytest.fixture(scope="module")
def live():
    return load_flowchart(LIVE)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    monkeypatch.setattr(diagram, "DOT_BINARY", str(tmp_path / "no-such-dot"))


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = URLS


def text_of(group: ET.Element) -> str:
    return " ".join(" ".join(t.text or "" for t in group.iter(f"{SVG}text")).split())


def groups_by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def test_graphviz_is_installed_for_these_tests():
    assert shutil.which(diagram.DOT_BINARY), "apt-get install graphviz (make test installs it)"


def test_the_live_svg_is_valid_xml_with_a_title_a_description_and_an_image_role(live):
    svg = render_svg(live)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and root.get("aria-labelledby") == title.get("id")
    assert desc.tag == f"{SVG}desc" and root.get("aria-describedby") == desc.get("id")
    assert live.version in title.text and live.title in title.text
    assert f"{len(live.nodes)} numbered questions" in desc.text
    # Graphviz's own titles (bare node ids) are gone: the only <title> is ours.
    assert len(list(root.iter(f"{SVG}title"))) == 1


def test_the_live_svg_has_no_style_attribute_script_link_or_external_reference(live):
    svg = render_svg(live, steps(*WALKS["outcome_share_limited"]))
    root = ET.fromstring(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "a", "image", "foreignObject", "style", "use"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert name not in {"style", XLINK_HREF, "href"} and not name.startswith("on"), (element.tag, name)
            assert "http:" not in value and "https:" not in value and "file:" not in value, (name, value)
    assert "style=" not in svg
    assert "<!DOCTYPE" not in svg and "<?xml" not in svg  # inline-ready: no prolog, no external DTD


def test_every_question_is_drawn_with_its_text_in_its_own_box(live):
    root = ET.fromstring(render_svg(live))
    groups = groups_by_id(root)
    for number, node in enumerate(live.nodes.values(), start=1):
        group = groups[f"isg-diagram-node-{node.id}"]
        assert "isg-question" in group.get("class").split()
        assert text_of(group) == f"{number}. {' '.join(node.question.split())}" or (
            node.is_terminal and text_of(group) == f"{number}. End: {node.question}"
        ), node.id


def test_the_highlighted_path_carries_the_class_a_thick_line_and_the_words_your_path(live):
    walk = steps(*WALKS["outcome_share_with_consent"])
    root = ET.fromstring(render_svg(live, walk))
    assert "isg-diagram__svg--path" in root.get("class")
    on_path = {gid: g for gid, g in groups_by_id(root).items() if "isg-path" in (g.get("class") or "").split()}
    visited = {step.node for step in walk} | {"record"}
    assert {gid.removeprefix("isg-diagram-node-") for gid in on_path if gid.startswith("isg-diagram-node-")} == visited
    assert "isg-diagram-outcome-outcome_share_with_consent" in on_path
    edges = [g for g in on_path.values() if "edge" in g.get("class").split()]
    assert len(edges) >= len(walk)
    for group in on_path.values():
        assert "your path" in text_of(group), group.get("id")
        strokes = [float(p.get("stroke-width", "1")) for p in group.iter(f"{SVG}path")]
        assert strokes and max(strokes) >= 3, group.get("id")
    assert "Your path is drawn with thick lines" in root[1].text
    plain = ET.fromstring(render_svg(live))
    assert not [g for g in plain.iter(f"{SVG}g") if "isg-path" in (g.get("class") or "")]


HOSTILE = 'Is it "confidential" <b>& C:\\temp &amp; ok?"]; evil [image="file:///etc/passwd"]; x="'
HOSTILE_ANSWER = 'Yes <script>alert(1)</script> & "more"'


def hostile():
    data = yaml.safe_load(MINIMAL.read_text())
    data["nodes"][1]["question"] = HOSTILE
    data["nodes"][1]["answers"][0]["label"] = HOSTILE_ANSWER
    return parse_flowchart(yaml.safe_dump(data, sort_keys=False).encode(), "hostile.yaml")


def test_quotes_angle_brackets_and_ampersands_in_labels_come_out_as_the_same_text(live):
    svg = render_svg(hostile())
    root = ET.fromstring(svg)  # still well-formed XML
    groups = groups_by_id(root)
    assert text_of(groups["isg-diagram-node-confidential"]) == f"2. {' '.join(HOSTILE.split())}"
    edge_text = " ".join(text_of(g) for g in groups.values() if "edge" in (g.get("class") or ""))
    assert HOSTILE_ANSWER in edge_text
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert not list(root.iter(f"{SVG}image")) and "passwd" not in "".join(
        v for e in root.iter() for k, v in e.attrib.items())


def test_results_are_cached_by_flowchart_and_path(live, monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(*args, **kwargs):
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(diagram.subprocess, "run", counting_run)
    walk = steps(*WALKS["outcome_do_not_share"])
    first = render_svg(live, walk)
    assert render_svg(live, [(s.node, s.answer) for s in walk]) == first
    assert len(calls) == 1
    render_svg(live)
    assert len(calls) == 2


def test_a_missing_dot_raises_a_clear_error(live, no_dot):
    with pytest.raises(GraphvizMissing) as raised:
        render_svg(live)
    assert "Graphviz" in raised.value.message and "not installed" in raised.value.message


def test_a_dot_that_takes_too_long_is_stopped(live, monkeypatch, tmp_path):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 10\n")
    slow.chmod(0o755)
    monkeypatch.setattr(diagram, "DOT_BINARY", str(slow))
    monkeypatch.setattr(diagram, "DOT_TIMEOUT", 0.5)
    with pytest.raises(GraphvizTimeout) as raised:
        render_svg(live)
    assert "too long" in raised.value.message


# -- the pages --------------------------------------------------------------------------------


@pytest.fixture
def reader(client, db, urls):
    client.force_login(make_user(username="reader"))
    return client


def test_the_page_shows_the_diagram_inline_and_every_question_and_answer_as_a_list(reader, live, settings):
    settings.ISG_FLOWCHART_PATH = LIVE
    response = reader.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and 'aria-labelledby="isg-diagram-title"' in html
    assert 'id="isg-diagram-node-start"' in html
    assert f'href="{SVG_URL}"' in html
    assert "css/diagram.css" in html
    assert " style=" not in html
    alternative = html[html.index('id="flowchart-as-a-list"'):]
    for number, node in enumerate(live.nodes.values(), start=1):
        assert f"{number}. {escape(node.question)}</h3>" in alternative, node.id
        for answer in node.answers:
            assert f"“{escape(answer.label)}”" in alternative, (node.id, answer.id)
    for outcome in live.outcomes:
        assert escape(outcome.title) in alternative
    # Where answers lead, in words, with links to the question.
    assert "If they are presumed able to decide: <a class=\"govuk-link\" href=\"#question-mca_support\">" in alternative
    assert "then you come back to this question" in alternative
    assert escape(live.urgent.label) in alternative


def test_without_graphviz_the_page_says_so_and_still_lists_every_question(reader, live, settings, no_dot):
    settings.ISG_FLOWCHART_PATH = LIVE
    response = reader.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Graphviz, the program that draws it, is not installed on this server" in html
    assert "<svg" not in html
    for node in live.nodes.values():
        assert escape(node.question) in html


def test_the_svg_file_is_served_as_svg_with_the_whole_flowchart(reader, live, settings):
    settings.ISG_FLOWCHART_PATH = LIVE
    response = reader.get(SVG_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
    root = ET.fromstring(response.content)
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {f"isg-diagram-node-{node_id}" for node_id in live.nodes} <= ids
    assert b"style=" not in response.content


def test_without_graphviz_the_svg_file_is_a_503_with_the_message(reader, settings, no_dot):
    settings.ISG_FLOWCHART_PATH = LIVE
    response = reader.get(SVG_URL)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert "not installed" in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db, urls):
    for url in (PAGE, SVG_URL):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
