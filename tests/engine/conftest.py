from pathlib import Path

import pytest

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def flowchart():
    """The shipped flowchart: engine tests read the real file, never a database."""
    return load_flowchart(ROOT / "flowchart" / "information-sharing.yaml")
