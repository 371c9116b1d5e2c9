"""The walk's pages, under /decisions/ in the "decisions" namespace. The namespace's other pages (check
answers, outcome, history, amend) show the approval and what came after, so they are isg/approvals'
and isg/approvals/decision_urls.py puts the namespace together."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_decisions, name="mine"),
    path("new/", views.new_decision, name="new"),
    path("urgent/", views.urgent_guidance, name="urgent-guidance"),
    path("<uuid:public_id>/", views.resume, name="resume"),
    path("<uuid:public_id>/steps/<int:index>/<slug:node_id>/", views.question, name="question"),
    path("<uuid:public_id>/urgent/", views.urgent, name="urgent"),
    path("<uuid:public_id>/urgent/press/", views.press_urgent, name="press-urgent"),
    path("<uuid:public_id>/restart/", views.restart, name="restart"),
]
