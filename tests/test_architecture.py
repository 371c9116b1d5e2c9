"""The layout is the architecture: the engine stands alone and data folders hold only data."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_engine_imports_nothing_from_django():
    code = "import sys, isg.engine; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_data_folders_hold_no_python():
    for folder in ("flowchart", "casestudies", "fixtures"):
        assert not list((ROOT / folder).rglob("*.py")), folder
