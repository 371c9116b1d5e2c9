from django.contrib import admin
from django.urls import include, path

from isg.decisions import views as decision_views

urlpatterns = [
    path("", decision_views.home, name="home"),
    path("accounts/", include("isg.accounts.urls")),
    path("decisions/", include("isg.decisions.urls")),
    path("case-studies/", include("isg.casestudies.urls")),
    path("admin/", admin.site.urls),
]
