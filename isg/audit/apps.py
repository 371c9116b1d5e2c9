from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "isg.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the SQLite locking check)
