from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running ISG: health endpoints, request ids, JSON logs, the worker's heartbeat, production checks."""

    name = "isg.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production settings check)
