from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "isg.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (checks the ISG_RETENTION schedule at start-up)
