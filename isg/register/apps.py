from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "isg.register"
    verbose_name = "Decision register"
