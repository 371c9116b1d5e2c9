"""`manage.py flowchart validate|prove|walk|replay`: the flowchart's command-line contract (spec sections 6 and 8.3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from isg.casestudies.content import CaseStudyError, load_library, replay_walks, uncovered
from isg.engine import (
    Flowchart,
    FlowchartError,
    InvalidStep,
    Step,
    is_complete,
    load_flowchart,
    outcome_of,
    replay,
)
from isg.engine.prove import prove


class Command(BaseCommand):
    help = "Validate the flowchart, prove its safety rules, replay a walk from a file, or replay every worked example."
    requires_system_checks = []  # the point of `validate` is to report a broken file, not to refuse to start

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Check a flowchart file and print its version and hash.")
        validate.add_argument("path", nargs="?", help="Flowchart file (default: the shipped one).")
        prove = sub.add_parser("prove", help="Prove the safety rules over every walk, or print a counterexample.")
        prove.add_argument("path", nargs="?", help="Flowchart file (default: the shipped one).")
        prove.add_argument("--rule", action="append", dest="rules", metavar="ID", help="Prove only this rule (repeatable).")
        prove.add_argument("--json", action="store_true", help="Print one JSON object.")
        walk = sub.add_parser("walk", help="Replay answers from a JSON or YAML file, without a database.")
        walk.add_argument("--answers", required=True, help="A list of {node, answer} objects, in order.")
        walk.add_argument("--flowchart", help="Flowchart file (default: the shipped one).")
        walk.add_argument("--json", action="store_true", help="Print one JSON object.")
        replay_parser = sub.add_parser("replay", help="Replay every worked example in casestudies/.")
        replay_parser.add_argument("--flowchart", help="Flowchart file (default: the shipped one).")
        replay_parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _load(self, path: str | None) -> Flowchart:
        try:
            return load_flowchart(path or settings.ISG_FLOWCHART_PATH)
        except FlowchartError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)

    def _validate(self, *, path: str | None, **options: Any) -> None:
        flowchart = self._load(path)
        if flowchart.safety:
            proof = prove(flowchart)
            if not proof.ok:
                self._report_broken(proof, flowchart)
                sys.exit(1)
        self.stdout.write(f"ok {flowchart.version} sha256:{flowchart.sha256}")

    def _prove(self, *, path: str | None, rules: list[str] | None, json: bool, **options: Any) -> None:
        flowchart = self._load(path)
        known = {rule.id for rule in flowchart.safety}
        unknown = sorted(set(rules or ()) - known)
        if unknown:
            raise CommandError(f"no safety rule {', '.join(unknown)} in {flowchart.path} (rules: {', '.join(sorted(known, key=_rule_number)) or 'none'})")
        proof = prove(flowchart, rules)
        if json:
            self.stdout.write(_dumps({
                "proven": proof.ok, "rules": [r.id for r in proof.rules], "final_states": proof.final_states,
                "broken": [
                    {"rule": c.rule.id, "title": c.rule.title, "check_line": c.check.line, "at": c.at,
                     "state": {k: v for k, v in c.state.items() if not k.startswith("@")}, "counterexample": c.steps}
                    for c in proof.broken
                ],
                "approval": [{"outcome": g.outcome, "mode": g.mode, "counterexample": g.steps} for g in proof.approval_gaps],
            }))
        elif proof.ok:
            self.stdout.write(proof.summary())
        else:
            self._report_broken(proof, flowchart)
        if not proof.ok:
            sys.exit(1)

    def _report_broken(self, proof, flowchart: Flowchart) -> None:
        """Each broken rule: its id, where it broke, and a shortest counterexample `flowchart walk` replays."""
        for broken in proof.broken:
            self.stderr.write(f"{flowchart.path}:{broken.check.line}: {broken.describe()}")
            self.stderr.write(f"  rule: {broken.rule.text}")
            self.stderr.write("  counterexample (save as walk.json, then: manage.py flowchart walk --answers walk.json):")
            self.stderr.write(_indent(_dumps(broken.steps)))
        for gap in proof.approval_gaps:
            self.stderr.write(f"{flowchart.path}:{gap.line}: {gap.describe()}")
            self.stderr.write("  counterexample:")
            self.stderr.write(_indent(_dumps(gap.steps)))
        self.stderr.write(proof.summary())

    def _walk(self, *, answers: str, flowchart: str | None, json: bool, **options: Any) -> None:
        chart = self._load(flowchart)
        steps = _read_answers(answers)
        try:
            position = replay(chart, steps)
        except InvalidStep as exc:
            self.stderr.write(f"error: at {exc.at!r}: {exc}")
            sys.exit(2)
        complete = is_complete(chart, position)
        outcome = outcome_of(chart, position)
        result = {
            "path": [{"node": s.node, "answer": s.answer} for s in position.steps],
            "at": position.at,
            "complete": complete,
            "outcome": outcome.id if outcome else None,
            "requires_approval": bool(outcome and outcome.approval_mode_for(position.state) != "none"),
            "approval_mode": outcome.approval_mode_for(position.state) if outcome else None,
            "state": dict(position.state),
            "flowchart_sha256": chart.sha256,
        }
        if json:
            self.stdout.write(_dumps(result))
            return
        for step in position.steps:
            self.stdout.write(f"{step.node}: {step.answer}")
        if complete:
            approval = {"before_sharing": " (needs approval before sharing)",
                        "after_sharing": " (share now; reviewed after sharing)"}.get(result["approval_mode"], "")
            self.stdout.write(f"outcome: {result['outcome']}{approval}")
        else:
            self.stdout.write(f"at: {position.at} (not yet complete)")

    def _replay(self, *, flowchart: str | None, json: bool, **options: Any) -> None:
        chart = self._load(flowchart)
        try:
            library = load_library(settings.ISG_CASESTUDIES_DIR, chart)
        except CaseStudyError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)
        results = replay_walks(library, chart)
        missing = uncovered(library, chart)
        if json:
            self.stdout.write(_dumps({
                "walks": [
                    {"case": r.case.id, "walk": r.walk.id, "expected_outcome": r.walk.expected_outcome,
                     "outcome": r.outcome, "path": [{"node": s.node, "answer": s.answer} for s in r.walk.steps]}
                    for r in results
                ],
                "uncovered": missing,
            }))
        else:
            self._print_table(results, missing)
        if any(not r.matches for r in results):
            sys.exit(1)

    def _print_table(self, results: list, missing: list[str]) -> None:
        if not results:
            self.stdout.write("no worked examples yet")
            return
        width = max(len(r.walk.expected_outcome) for r in results)
        name_width = max(len(f"{r.case.id}/{r.walk.id}") for r in results)
        for r in results:
            verdict = "OK" if r.matches else "MISMATCH"
            name = f"{r.case.id}/{r.walk.id}"
            self.stdout.write(f"{name:<{name_width}}  {r.walk.expected_outcome:<{width}}  {r.outcome or '-':<{width}}  {verdict}")
            if r.problem and not r.matches:
                self.stdout.write(f"    {r.problem}")
        bad = sum(not r.matches for r in results)
        self.stdout.write(f"{len(results)} walks, {len(results) - bad} OK, {bad} mismatches")
        self.stdout.write(f"not exercised by any example ({len(missing)}): {', '.join(missing) or 'none'}")


def _read_answers(path: str) -> list[Step]:
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CommandError(f"{path}: expected a list of {{node, answer}} objects")
    steps = []
    for number, item in enumerate(data, 1):
        node, answer = item.get("node"), item.get("answer")
        if not isinstance(node, str) or not isinstance(answer, str):
            raise CommandError(f"{path}: item {number} needs text `node` and `answer` (quote yes/no), got {node!r}: {answer!r}")
        steps.append(Step(node=node, answer=answer))
    return steps


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def _rule_number(rule_id: str) -> int:
    return int(rule_id[1:]) if rule_id[1:].isdigit() else 0
