from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "isg.directory"
    verbose_name = "Directory of organisations"
