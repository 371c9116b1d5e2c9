from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("csv/", views.export_csv, name="csv"),
    path("zip/", views.export_zip, name="zip"),
    path("<uuid:job_id>/", views.job, name="job"),
    path("<uuid:job_id>/download", views.download, name="download"),
]
