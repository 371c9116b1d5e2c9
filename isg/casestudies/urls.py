from django.urls import path

from . import views

app_name = "casestudies"

urlpatterns = [
    path("", views.library, name="library"),
]
