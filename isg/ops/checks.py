"""`manage.py check` (and so `check --deploy`) refuses production settings unfit for real records.

settings.py already refuses them at start-up from the environment; this runs the same rules on the
settings as finally loaded, so a settings module that overrides DEBUG or DATABASES cannot slip by.
"""

from django.conf import settings
from django.core.checks import Error, register

from .configuration import production_problems


@register()
def production_settings_check(app_configs=None, **kwargs) -> list[Error]:
    problems = production_problems(
        env=getattr(settings, "ISG_ENV", ""),
        debug=settings.DEBUG,
        secret_key=settings.SECRET_KEY,
        databases=settings.DATABASES,
        anchor_key=getattr(settings, "ISG_AUDIT_ANCHOR_KEY", ""),
        anchor_path=getattr(settings, "ISG_AUDIT_ANCHOR_PATH", None),
    )
    return [Error(f"ISG_ENV=production: {problem}", id="isg.ops.E001") for problem in problems]
