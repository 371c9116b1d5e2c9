"""/admin-pages/changes/: changes that give access, waiting for a second person (change_views.py)."""

from django.urls import path

from . import change_views

app_name = "changes"

urlpatterns = [
    path("", change_views.change_list, name="list"),
    path("<int:change_id>/", change_views.change_decide, name="decide"),
]
