from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("<int:pk>/complete/", views.complete, name="complete"),
]
