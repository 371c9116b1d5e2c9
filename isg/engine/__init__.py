"""The information-sharing flowchart engine: plain Python, no Django.

Load and validate the YAML, walk it step by step, change an earlier answer, compute the outcome.
"""

from .loader import FlowchartError, load_flowchart, parse_flowchart
from .model import (
    ADVICE,
    NOT_SURE,
    START,
    URGENT_ANSWER,
    URGENT_NODE,
    Answer,
    Field,
    Flowchart,
    Node,
    Outcome,
    State,
)
from .walk import (
    InvalidStep,
    Position,
    Rewalk,
    Step,
    advance,
    allowed_answers,
    begin,
    change_answer,
    is_complete,
    outcome_of,
    replay,
)
from .yamlsource import Problem

__all__ = [
    "ADVICE", "NOT_SURE", "START", "URGENT_ANSWER", "URGENT_NODE",
    "Answer", "Field", "Flowchart", "FlowchartError", "InvalidStep", "Node", "Outcome", "Position",
    "Problem", "Rewalk", "State", "Step",
    "advance", "allowed_answers", "begin", "change_answer", "is_complete", "load_flowchart",
    "outcome_of", "parse_flowchart", "replay",
]
