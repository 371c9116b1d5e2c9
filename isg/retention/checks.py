"""Start-up check: a broken retention schedule is found when the site starts, not at 2 a.m."""

from django.core import checks

from .schedule import ScheduleError, load_schedule


@checks.register()
def retention_schedule_is_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        load_schedule()
    except ScheduleError as exc:
        return [checks.Error(str(exc), hint='For example {"default": 7, "outcome_do_not_share": 2}.',
                             id="isg.retention.E001")]
    return []
