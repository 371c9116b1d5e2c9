from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "isg.approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
