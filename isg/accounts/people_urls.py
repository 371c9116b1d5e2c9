"""/admin-pages/people/: administrators' pages about people (people_views.py, away_views.py,
import_views.py). Each has its row in isg/access/rules.py, for the administrator role only."""

from django.urls import path

from . import away_views, import_views, people_views

app_name = "people"

urlpatterns = [
    path("", people_views.people_list, name="list"),
    path("invite/", people_views.invite_person, name="invite"),
    path("import/", import_views.upload, name="import"),
    path("import/check/", import_views.check, name="import-check"),
    path("<int:user_id>/", people_views.person_page, name="person"),
    path("<int:user_id>/change/", people_views.person_edit, name="edit"),
    path("<int:user_id>/switch-off/", people_views.person_deactivate, name="deactivate"),
    path("<int:user_id>/switch-on/", people_views.person_reactivate, name="reactivate"),
    path("<int:user_id>/invitation/", people_views.person_resend_invitation, name="resend-invitation"),
    path("<int:user_id>/second-factor/", people_views.person_reset_two_factor, name="reset-two-factor"),
    path("<int:user_id>/away/", away_views.admin_add, name="away"),
    path("<int:user_id>/away/<int:period_id>/end/", away_views.admin_end, name="away-end"),
]
