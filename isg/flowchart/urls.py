from django.urls import path

from . import diagram_views, views

app_name = "flowchart"

urlpatterns = [
    path("how-it-works/", diagram_views.how_it_works, name="how_it_works"),
    path("how-it-works/diagram.svg", diagram_views.diagram_svg, name="diagram_svg"),
    path("glossary/", views.glossary, name="glossary"),
    path("changes/", views.changes, name="changes"),
]
