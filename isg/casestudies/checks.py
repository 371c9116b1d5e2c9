"""`manage.py check` refuses a broken case file or a worked walk the flowchart no longer supports."""

from django.core import checks

from isg.engine import FlowchartError

from .content import CaseStudyError, replay_walks


@checks.register()
def casestudies_are_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from isg.flowchart.services import current_flowchart

    from .services import current_library

    try:
        flowchart = current_flowchart()
        library = current_library()
    except FlowchartError:
        return []  # reported by the flowchart check
    except CaseStudyError as exc:
        return [checks.Error(str(p), id="isg.E002") for p in exc.problems]
    return [
        checks.Error(str(result.problem), hint="Run `manage.py flowchart replay` for the full table.", id="isg.E002")
        for result in replay_walks(library, flowchart) if result.problem
    ]
