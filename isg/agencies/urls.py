"""/admin-pages/agencies/: the administrator's Agencies pages (views.py)."""

from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="list"),
    path("add/", views.agency_add, name="add"),
    path("<int:agency_id>/change/", views.agency_edit, name="edit"),
]
