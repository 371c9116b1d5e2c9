"""`manage.py check` (and so every deploy and `runserver`) refuses a broken flowchart."""

from django.core import checks

from isg.engine import FlowchartError


@checks.register()
def flowchart_is_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from .services import current_flowchart

    try:
        current_flowchart()
    except FlowchartError as exc:
        return [
            checks.Error(
                f"{problem}", hint="Fix the flowchart file; `manage.py flowchart validate` lists every problem.",
                id="isg.E001",
            )
            for problem in exc.problems
        ]
    except OSError as exc:
        return [checks.Error(f"Cannot read the flowchart: {exc}", id="isg.E001")]
    return []
