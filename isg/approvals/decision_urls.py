"""/decisions/: every page of the "decisions" namespace. The walk's are isg/decisions/urls.py; these
four show the approval and what came after, so they live here, above the decisions app."""

from django.urls import path

from isg.decisions.urls import urlpatterns as walk

from . import decision_history_views, decision_views

app_name = "decisions"

urlpatterns = [
    *walk,
    path("<uuid:public_id>/check/", decision_views.check_answers, name="check"),
    path("<uuid:public_id>/outcome/", decision_views.outcome, name="outcome"),
    path("<uuid:public_id>/history/", decision_history_views.decision_history, name="history"),
    path("<uuid:public_id>/amend/", decision_history_views.amend, name="amend"),
]
