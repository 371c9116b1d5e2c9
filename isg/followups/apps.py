from django.apps import AppConfig


class FollowUpsConfig(AppConfig):
    name = "isg.followups"
    verbose_name = "Follow-ups"
