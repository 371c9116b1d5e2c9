from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:public_id>/", views.decide, name="decide"),
    path("<uuid:public_id>/hand-over/", views.hand_over, name="hand-over"),
    path("<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
]
