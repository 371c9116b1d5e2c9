from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "isg.access"
    label = "access"
    verbose_name = "Access rules"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system check: every URL has a row)
