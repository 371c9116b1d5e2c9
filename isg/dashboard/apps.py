from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "isg.dashboard"
    verbose_name = "Partnership dashboard"
