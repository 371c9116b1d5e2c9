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


def test_every_app_has_a_place_in_the_layers_contract():
    """A new app must be placed in .importlinter's layers (`make test` runs lint-imports), or nothing pins it."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    listed = set()
    for line in config["importlinter:contract:layers"]["layers"].split("\n"):
        listed.update(name.strip() for name in line.replace("|", ":").split(":") if name.strip())
    packages = {path.parent.name for path in (ROOT / "isg").glob("*/__init__.py")}
    assert packages - listed == set(), "place these apps in .importlinter's layers"
    assert "lint-imports" in (ROOT / "Makefile").read_text()
