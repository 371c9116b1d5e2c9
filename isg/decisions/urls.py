from django.urls import path

from . import history_views, views

app_name = "decisions"

urlpatterns = [
    path("", views.my_decisions, name="mine"),
    path("new/", views.new_decision, name="new"),
    path("urgent/", views.urgent_guidance, name="urgent-guidance"),
    path("<uuid:public_id>/", views.resume, name="resume"),
    path("<uuid:public_id>/steps/<int:index>/<slug:node_id>/", views.question, name="question"),
    path("<uuid:public_id>/urgent/", views.urgent, name="urgent"),
    path("<uuid:public_id>/urgent/press/", views.press_urgent, name="press-urgent"),
    path("<uuid:public_id>/restart/", views.restart, name="restart"),
    path("<uuid:public_id>/check/", views.check_answers, name="check"),
    path("<uuid:public_id>/outcome/", views.outcome, name="outcome"),
    path("<uuid:public_id>/history/", history_views.decision_history, name="history"),
    path("<uuid:public_id>/amend/", history_views.amend, name="amend"),
]
