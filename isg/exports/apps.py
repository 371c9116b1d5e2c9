from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "isg.exports"
    verbose_name = "Register exports"
