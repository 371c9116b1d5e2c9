"""The case-study library as data: load, validate and replay the files in `casestudies/`.

Plain Python like the engine, so `flowchart replay` and the start-up check share one reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from isg.engine import URGENT_NODE, Flowchart, InvalidStep, Step, is_complete, outcome_of, replay
from isg.engine.reader import Reader
from isg.engine.yamlsource import LocatedDict, Problem, read_yaml

CASE_FILE = re.compile(r"^(cs(0[1-9]|1[0-9]|2[01])|gp[1-4])\.yaml$")
KIND_LABELS = {"case_study": "Case study", "good_practice": "Good practice example"}


@dataclass(frozen=True)
class WalkStep:
    node: str
    answer: str
    commentary: str
    line: int = 0


@dataclass(frozen=True)
class Walk:
    id: str
    title: str
    expected_outcome: str
    steps: tuple[WalkStep, ...]
    line: int = 0
    alternative: bool = False
    """True for a hypothetical walk that explores a route the document does not describe."""

    def engine_steps(self) -> list[Step]:
        return [Step(node=s.node, answer=s.answer) for s in self.steps]


@dataclass(frozen=True)
class Block:
    """A paragraph, or a bullet list when `items` is set."""

    text: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseStudy:
    id: str
    kind: str
    number: int
    title: str
    credit: str
    summary: str
    subjects: tuple[str, ...]
    agencies: tuple[str, ...]
    themes: tuple[str, ...]
    stated_quote: str
    stated_outcome: str
    teaching_points: tuple[str, ...]
    nodes_illustrated: tuple[str, ...]
    text: str
    walks: tuple[Walk, ...]
    path: str = ""

    @property
    def label(self) -> str:
        return f"{KIND_LABELS[self.kind]} {self.number}"

    @property
    def blocks(self) -> list[Block]:
        return text_blocks(self.text)

    def walk(self, walk_id: str) -> Walk | None:
        return next((w for w in self.walks if w.id == walk_id), None)


@dataclass(frozen=True)
class Vocabulary:
    subjects: dict[str, str]
    agencies: dict[str, str]
    themes: dict[str, str]


@dataclass(frozen=True)
class Library:
    cases: tuple[CaseStudy, ...]
    vocabulary: Vocabulary

    def case(self, case_id: str) -> CaseStudy | None:
        return next((c for c in self.cases if c.id == case_id), None)


@dataclass(frozen=True)
class WalkResult:
    case: CaseStudy
    walk: Walk
    outcome: str | None
    problem: Problem | None

    @property
    def matches(self) -> bool:
        return self.problem is None and self.outcome == self.walk.expected_outcome


class CaseStudyError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def text_blocks(text: str) -> list[Block]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            blocks.append(Block(items=tuple(line[2:].strip() for line in lines)))
        elif lines:
            blocks.append(Block(text="\n".join(lines)))
    return blocks


def load_library(directory: str | Path, flowchart: Flowchart) -> Library:
    """Read every case file and the vocabulary; raise CaseStudyError listing every problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    vocabulary = _vocabulary(directory / "vocabulary.yaml", problems)
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "vocabulary.yaml":
            continue
        if not CASE_FILE.match(path.name):
            problems.append(Problem(str(path), 1, "case files are named cs01.yaml … cs21.yaml or gp1.yaml … gp4.yaml"))
            continue
        case = _case(path, flowchart, vocabulary, problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise CaseStudyError(problems)
    cases.sort(key=lambda c: (c.kind != "case_study", c.number))
    return Library(cases=tuple(cases), vocabulary=vocabulary)


def replay_walks(library: Library, flowchart: Flowchart) -> list[WalkResult]:
    """Replay every worked walk against `flowchart`; each result says which outcome it reached."""
    results = []
    for case in library.cases:
        for walk in case.walks:
            results.append(replay_walk(case, walk, flowchart))
    return results


def replay_walk(case: CaseStudy, walk: Walk, flowchart: Flowchart) -> WalkResult:
    try:
        position = replay(flowchart, walk.engine_steps())
    except InvalidStep as exc:
        line = walk.steps[exc.index].line if exc.index is not None else walk.line
        return WalkResult(case, walk, None, Problem(case.path, line, f"walk {walk.id!r}: {exc}"))
    except KeyError as exc:
        return WalkResult(case, walk, None, Problem(case.path, walk.line, f"walk {walk.id!r}: unknown node {exc}"))
    if not is_complete(flowchart, position):
        return WalkResult(case, walk, None, Problem(
            case.path, walk.steps[-1].line if walk.steps else walk.line,
            f"walk {walk.id!r} stops at {position.at!r} before reaching {flowchart.terminal.id!r}",
        ))
    outcome = outcome_of(flowchart, position)
    result = WalkResult(case, walk, outcome.id if outcome else None, None)
    if not result.matches:
        return WalkResult(case, walk, result.outcome, Problem(
            case.path, walk.line,
            f"walk {walk.id!r} reaches {result.outcome!r}, not the expected {walk.expected_outcome!r}",
        ))
    return result


def uncovered(library: Library, flowchart: Flowchart) -> list[str]:
    """`node` and `node: answer` that no worked walk exercises (not_sure answers aside)."""
    used = {(s.node, s.answer) for c in library.cases for w in c.walks for s in w.steps}
    visited = {node for node, _ in used}
    missing = []
    for node in flowchart.nodes.values():
        if node.is_terminal:
            continue
        if node.id not in visited:
            missing.append(node.id)
            continue
        missing += [f"{node.id}: {a.id}" for a in node.answers if a.id != "not_sure" and (node.id, a.id) not in used]
    return missing


# -- reading -----------------------------------------------------------------------------------


def _vocabulary(path: Path, problems: list[Problem]) -> Vocabulary:
    empty = Vocabulary({}, {}, {})
    try:
        root, found = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        problems.append(Problem(str(path), 0, f"cannot read the vocabulary: {exc.strerror}"))
        return empty
    except Problem as problem:
        problems.append(problem)
        return empty
    reader = Reader(str(path), found)
    top = reader.mapping(root, 1, "the vocabulary")
    if top is None:
        problems += reader.problems
        return empty
    reader.keys(top, "the vocabulary", required=("subjects", "agencies", "themes"))
    terms = {}
    for key in ("subjects", "agencies", "themes"):
        section = top.get(key)
        if isinstance(section, dict) and all(isinstance(v, str) for v in section.values()):
            terms[key] = dict(section)
        else:
            reader.fail(top.line_of(key), f"`{key}` must map each term to its label")
            terms[key] = {}
    problems += reader.problems
    return Vocabulary(**terms)


def _case(path: Path, flowchart: Flowchart, vocabulary: Vocabulary, problems: list[Problem]) -> CaseStudy | None:
    try:
        root, found = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), 0, f"cannot read the file: {exc}"))
        return None
    except Problem as problem:
        problems.append(problem)
        return None
    reader = Reader(str(path), found)
    raw = reader.mapping(root, 1, "a case file")
    if raw is None:
        problems += reader.problems
        return None
    reader.keys(
        raw, "a case file",
        required=("id", "kind", "number", "title", "credit", "summary", "subjects", "agencies", "themes",
                  "stated_outcome", "teaching_points", "nodes_illustrated", "text", "walks"),
    )
    case_id = reader.identifier(raw, "id", "the case")
    if case_id and f"{case_id}.yaml" != path.name:
        reader.fail(raw.line_of("id"), f"id {case_id!r} does not match the file name {path.name!r}")
    kind = reader.text(raw, "kind", "the case")
    if kind not in KIND_LABELS:
        reader.fail(raw.line_of("kind"), f"kind must be one of {', '.join(KIND_LABELS)}, not {kind!r}")
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        reader.fail(raw.line_of("number"), "number must be the example's number in the document")
        number = 0
    for key, terms in (("subjects", vocabulary.subjects), ("agencies", vocabulary.agencies), ("themes", vocabulary.themes)):
        for term, line in reader.identifiers(raw, key, "the case"):
            if term not in terms:
                reader.fail(line, f"{term!r} is not one of the {key} in vocabulary.yaml")
    for node_id, line in reader.identifiers(raw, "nodes_illustrated", "the case"):
        if node_id not in flowchart.nodes:
            reader.fail(line, f"nodes_illustrated names {node_id!r}, which is not a flowchart node")
    stated_quote, stated_outcome = _stated_outcome(reader, raw, flowchart)
    walks = _walks(reader, raw, flowchart)
    text = reader.text(raw, "text", "the case")
    if not text:
        reader.fail(raw.line_of("text"), "the case needs its full text")
    problems += reader.problems
    if reader.problems:
        return None
    return CaseStudy(
        id=case_id, kind=kind, number=number, title=reader.text(raw, "title", "the case"),
        credit=reader.text(raw, "credit", "the case"), summary=reader.text(raw, "summary", "the case"),
        subjects=tuple(t for t, _ in reader.identifiers(raw, "subjects", "")),
        agencies=tuple(t for t, _ in reader.identifiers(raw, "agencies", "")),
        themes=tuple(t for t, _ in reader.identifiers(raw, "themes", "")),
        stated_quote=stated_quote, stated_outcome=stated_outcome,
        teaching_points=reader.texts(raw, "teaching_points", "the case"),
        nodes_illustrated=tuple(n for n, _ in reader.identifiers(raw, "nodes_illustrated", "")),
        text=text, walks=walks, path=str(path),
    )


def _stated_outcome(reader: Reader, raw: LocatedDict, flowchart: Flowchart) -> tuple[str, str]:
    stated = reader.mapping(raw.get("stated_outcome"), raw.line_of("stated_outcome"), "`stated_outcome`")
    if stated is None:
        return "", ""
    reader.keys(stated, "`stated_outcome`", required=("quote",), optional=("outcome",))
    outcome = reader.text(stated, "outcome", "`stated_outcome`")
    if outcome and flowchart.outcome(outcome) is None:
        reader.fail(stated.line_of("outcome"), f"{outcome!r} is not a flowchart outcome")
    return reader.text(stated, "quote", "`stated_outcome`"), outcome


def _walks(reader: Reader, raw: LocatedDict, flowchart: Flowchart) -> tuple[Walk, ...]:
    walks = []
    seen: set[str] = set()
    items = reader.sequence(raw, "walks", "the case")
    for index, item in enumerate(items):
        spec = reader.mapping(item, items.line_of(index), "each walk")
        if spec is None:
            continue
        reader.keys(spec, "a walk", required=("id", "title", "expected_outcome", "steps"), optional=("alternative",))
        walk_id = reader.identifier(spec, "id", "a walk")
        if walk_id in seen:
            reader.fail(spec.line_of("id"), f"duplicate walk id {walk_id!r}")
        seen.add(walk_id)
        expected = reader.text(spec, "expected_outcome", f"walk {walk_id!r}")
        if flowchart.outcome(expected) is None:
            reader.fail(spec.line_of("expected_outcome"), f"{expected!r} is not a flowchart outcome")
        steps = []
        step_items = reader.sequence(spec, "steps", f"walk {walk_id!r}", required=True)
        for step_index, step_item in enumerate(step_items):
            step = reader.mapping(step_item, step_items.line_of(step_index), f"each step of walk {walk_id!r}")
            if step is None:
                continue
            reader.keys(step, f"a step of walk {walk_id!r}", required=("node", "answer", "commentary"))
            node_id, answer_id = step.get("node"), step.get("answer")
            line = step.line
            if not isinstance(node_id, str) or not isinstance(answer_id, str):
                reader.fail(line, f"node and answer must be ids (quote \"yes\" and \"no\"), not {node_id!r}: {answer_id!r}")
                continue
            if node_id == URGENT_NODE:
                if answer_id != "urgent":
                    reader.fail(line, "the urgent button's only answer is 'urgent'")
            elif node_id not in flowchart.nodes:
                reader.fail(line, f"unknown node {node_id!r}")
            elif flowchart.node(node_id).answer(answer_id) is None:
                allowed = ", ".join(a.id for a in flowchart.node(node_id).answers)
                reader.fail(line, f"unknown answer {answer_id!r} for node {node_id!r} (allowed: {allowed})")
            steps.append(WalkStep(node_id, answer_id, reader.text(step, "commentary", "a step"), line))
        alternative = reader.flag(spec, "alternative", f"walk {walk_id!r}")
        walks.append(Walk(walk_id, reader.text(spec, "title", "a walk"), expected, tuple(steps), spec.line, alternative))
    if walks and walks[0].alternative:
        reader.fail(walks[0].line, "the first walk must be one the document describes; put alternative walks after it")
    return tuple(walks)
