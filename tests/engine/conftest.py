from pathlib import Path

import pytest

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture(scope="session")
def flowchart():
    """The published 1.0.1 file (byte-identical copy): walks made under it must replay identically.

    test_walk.py's walks and rules are 1.0.1's; the shipped 1.1 file is tested in test_live.py.
    """
    return load_flowchart(SAMPLES / "information-sharing-1.0.1.yaml")


@pytest.fixture(scope="session")
def live_flowchart():
    """The shipped flowchart: engine tests read the real file, never a database."""
    return load_flowchart(ROOT / "flowchart" / "information-sharing.yaml")
