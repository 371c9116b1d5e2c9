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
    Condition,
    Field,
    Flowchart,
    GlossaryTerm,
    Node,
    Outcome,
    OutcomeText,
    Route,
    State,
    Text,
    matches,
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
    "Answer", "Condition", "Field", "Flowchart", "FlowchartError", "GlossaryTerm", "InvalidStep", "Node",
    "Outcome", "OutcomeText", "Position", "Problem", "Rewalk", "Route", "State", "Step", "Text",
    "advance", "allowed_answers", "begin", "change_answer", "is_complete", "load_flowchart", "matches",
    "outcome_of", "parse_flowchart", "replay",
]
