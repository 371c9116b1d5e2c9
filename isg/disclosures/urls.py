from django.urls import path

from . import views

app_name = "disclosures"

urlpatterns = [
    path("<uuid:public_id>/share/", views.record_share, name="share"),
    path("<uuid:public_id>/told/", views.record_telling, name="telling"),
]
