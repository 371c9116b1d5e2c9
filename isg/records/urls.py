from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("<uuid:public_id>/decision.pdf", views.decision_pdf, name="pdf"),
]
