from django.urls import path

from . import views

# No namespace: load balancers and orchestrators expect these exact root paths.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("healthz/worker", views.worker_health, name="healthz-worker"),
]
