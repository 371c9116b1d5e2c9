from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "isg.records"
    label = "records"
    verbose_name = "Decision records (PDF)"
