from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("<int:follow_up_id>/complete/", views.complete, name="complete"),
    path("decision/<uuid:public_id>/add-action/", views.add_action, name="add-action"),
]
