"""`manage.py check` (and so every deploy and `runserver`) refuses a broken flowchart, live or archived."""

from django.core import checks

from isg.engine import FlowchartError

HINT = "Fix the flowchart file; `manage.py flowchart validate` lists every problem."


@checks.register()
def flowchart_is_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .services import archived_flowcharts, current_flowchart

    # The archive is checked too: the "What changed" page and old decisions read it.
    for load in (current_flowchart, archived_flowcharts):
        try:
            load()
        except FlowchartError as exc:
            return [checks.Error(f"{problem}", hint=HINT, id="isg.E001") for problem in exc.problems]
        except OSError as exc:
            return [checks.Error(f"Cannot read the flowchart: {exc}", id="isg.E001")]
    return []
