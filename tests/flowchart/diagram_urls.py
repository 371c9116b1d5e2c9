"""A throwaway urlconf for the diagram tests: the project's URLs, with the two diagram pages added
to the `flowchart` namespace (until the lead adds them to isg/flowchart/urls.py)."""

from django.urls import include, path

from isg import urls as project
from isg.flowchart import diagram_views
from isg.flowchart import urls as flowchart_urls

flowchart_patterns = [
    *(p for p in flowchart_urls.urlpatterns if getattr(p, "name", None) not in {"how_it_works", "diagram_svg"}),
    path("how-it-works/", diagram_views.how_it_works, name="how_it_works"),
    path("how-it-works/diagram.svg", diagram_views.diagram_svg, name="diagram_svg"),
]

urlpatterns = [
    *(p for p in project.urlpatterns if str(p.pattern) != "flowchart/"),
    path("flowchart/", include((flowchart_patterns, "flowchart"))),
]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
