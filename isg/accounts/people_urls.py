"""/admin-pages/people/: administrators' pages about people (people_views.py)."""

from django.urls import path

from . import people_views

app_name = "people"

urlpatterns = [
    path("invite/", people_views.invite_person, name="invite"),
]
