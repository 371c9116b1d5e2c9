from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "isg.disclosures"
    verbose_name = "Disclosures: what was shared, and who was told"
