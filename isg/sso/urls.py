from django.urls import path

from . import views

app_name = "sso"

# mozilla-django-oidc's start and callback, as our own views (isg/sso/views.py). Its logout view is
# not mounted: accounts:logout ends the ISG session, and the provider's own session is the provider's.
urlpatterns = [
    path("authenticate/", views.StartView.as_view(), name="start"),
    path("callback/", views.CallbackView.as_view(), name="callback"),
]
