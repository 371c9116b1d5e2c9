from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "isg.reviews"
    verbose_name = "Flags for audit or learning review"
