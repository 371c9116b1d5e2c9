"""Every benchmark can run in a smoke mode (`make bench-smoke`, run by .ci/run), so none can rot unseen."""

from __future__ import annotations

import re
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def runnable_scripts() -> list[Path]:
    return [path for path in sorted(BENCH.glob("*.py")) if re.search(r'^if __name__ == "__main__":', path.read_text(), re.M)]


def test_every_runnable_benchmark_has_a_smoke_mode():
    scripts = runnable_scripts()
    assert {path.name for path in scripts} >= {"walk_step.py", "register.py", "exports.py", "load.py", "pdf.py"}
    for path in scripts:
        assert '"--smoke"' in path.read_text(), f"{path.name} has no --smoke mode for make bench-smoke"


def test_make_bench_smoke_runs_what_it_finds_and_ci_runs_it_on_both_databases():
    makefile = (BENCH.parent / "Makefile").read_text()
    assert "bench-smoke:" in makefile and "grep -l '^if __name__ == \"__main__\":' bench/*.py" in makefile
    commands = [line.strip() for line in (BENCH.parent / ".ci" / "run").read_text().splitlines()]
    assert "make bench-smoke" in commands
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make bench-smoke" in commands


def test_the_walk_step_bench_walks_the_current_flowchart():
    """The bench posts its answers over HTTP; a flowchart change that reroutes them breaks it only in CI."""
    import sys

    from isg.engine.loader import load_flowchart
    from isg.engine.walk import Step, advance, begin

    sys.path.insert(0, str(BENCH))
    try:
        import walk_step
    finally:
        sys.path.remove(str(BENCH))
    flowchart = load_flowchart(BENCH.parent / "flowchart" / "information-sharing.yaml")
    position = begin()
    for index, (node_id, answer) in enumerate(walk_step.WALK):
        position = advance(flowchart, position, Step(node_id, answer), index=index)
    assert len(position.steps) >= 25, "the query count reads path lengths 3 and 25"
