"""Words for the flowchart's state values: the question and the answer that set each one.

Shared by the register's filter (isg/register/filters.py) and the CSV export's label columns
(isg/exports/csv.py), so an answer reads the same in both: "Is the information confidential? Partly".
"""

from __future__ import annotations

from isg.engine import Flowchart
from isg.engine.diagram import phrase


def state_labels(flowchart: Flowchart) -> dict[tuple[str, object], str]:
    """Words for each state value this flowchart version can set: the question and the answer that
    set it ("Is the information confidential? Partly"). A value several answers (or the urgent
    button) can set gets the engine's plain words for it instead ("The decision is to share")."""
    sources: dict[tuple[str, object], set[str]] = {}
    for node in flowchart.nodes.values():
        for answer in node.answers:
            effects = [answer.set, *(route.set for route in answer.routes)]
            for effect in effects:
                for variable, value in effect.items():
                    sources.setdefault((variable, value), set()).add(f"{node.question} {answer.label}")
    if flowchart.urgent is not None:
        for variable, value in flowchart.urgent.set.items():
            sources.setdefault((variable, value), set()).add(flowchart.urgent.label)
    labels = {}
    for key, found in sources.items():
        words = next(iter(found)) if len(found) == 1 else phrase(*key)
        labels[key] = words[:1].upper() + words[1:]
    return labels


def state_label(labels: dict, variable: str, value: object) -> str:
    if value is None:
        return ""
    words = labels.get((variable, value))
    if words is None:  # a value no answer sets (set by an older flowchart's data, say): its plain words
        words = phrase(variable, value)
        words = words[:1].upper() + words[1:]
    return words
