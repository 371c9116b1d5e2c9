from django.apps import AppConfig


class FlowchartConfig(AppConfig):
    name = "isg.flowchart"
    verbose_name = "Flowchart"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up check)
