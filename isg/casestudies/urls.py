from django.urls import path

from . import views

app_name = "casestudies"

walk = "<slug:case_id>/walks/<slug:walk_id>"

urlpatterns = [
    path("", views.library, name="library"),
    path("<slug:case_id>/", views.case_detail, name="case"),
    path(f"{walk}/", views.walk_overview, name="walk"),
    path(f"{walk}/steps/<int:number>/", views.walk_step, name="walk-step"),
    path(f"{walk}/train/", views.training_start, name="train"),
    path(f"{walk}/train/steps/<int:number>/", views.training_step, name="train-step"),
    path(f"{walk}/train/results/", views.training_results, name="train-results"),
    path(f"{walk}/train/restart/", views.training_restart, name="train-restart"),
]
