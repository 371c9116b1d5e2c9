from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "isg.approvals"
    verbose_name = "Approvals"
