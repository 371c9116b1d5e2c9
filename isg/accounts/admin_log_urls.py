"""/administration-log/: the administration log, read-only (admin_log_views.py)."""

from django.urls import path

from . import admin_log_views

app_name = "adminlog"

urlpatterns = [
    path("", admin_log_views.log, name="list"),
]
