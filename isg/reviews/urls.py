from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("<uuid:public_id>/flag/", views.flag, name="flag"),
    path("<uuid:public_id>/clear/", views.clear, name="clear"),
]
