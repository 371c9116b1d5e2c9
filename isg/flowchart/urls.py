from django.urls import path

from . import views

app_name = "flowchart"

urlpatterns = [
    path("glossary/", views.glossary, name="glossary"),
    path("changes/", views.changes, name="changes"),
]
