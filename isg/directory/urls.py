"""/admin-pages/organisations/: the directory of organisations (views.py), for administrators."""

from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("add/", views.organisation_add, name="add"),
    path("<int:organisation_id>/change/", views.organisation_edit, name="edit"),
    path("<int:organisation_id>/on-directory/", views.organisation_set_active, name="set-active"),
]
