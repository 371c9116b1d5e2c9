from django.apps import AppConfig


class CasestudiesConfig(AppConfig):
    name = "isg.casestudies"
    verbose_name = "Case studies"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up check)
