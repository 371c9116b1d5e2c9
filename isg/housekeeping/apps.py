from django.apps import AppConfig


class HousekeepingConfig(AppConfig):
    name = "isg.housekeeping"
    verbose_name = "Housekeeping"
