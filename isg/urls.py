from django.contrib import admin
from django.urls import include, path

from isg import home

urlpatterns = [
    path("", home.home, name="home"),
    path("", include("isg.ops.urls")),  # /healthz, /readyz, /healthz/worker: public, JSON, no personal data
    path("accounts/", include("isg.accounts.urls")),
    path("sso/", include("isg.sso.urls")),  # single sign-on (isg/sso): 404 unless configured
    path("decisions/", include("isg.approvals.decision_urls")),  # the walk (isg/decisions) and its approval
    path("approvals/", include("isg.approvals.urls")),
    path("disclosures/", include("isg.disclosures.urls")),  # what was shared after a decision, who was told
    path("to-do/", include("isg.followups.urls")),
    path("case-studies/", include("isg.casestudies.urls")),
    path("flowchart/", include("isg.flowchart.urls")),
    path("records/", include("isg.records.urls")),
    path("register/", include("isg.register.urls")),
    path("reviews/", include("isg.reviews.urls")),
    path("dashboard/", include("isg.dashboard.urls")),
    path("exports/", include("isg.exports.urls")),
    # Administrators' pages (ISG's own; Django's admin is for technical superusers): people, changes that
    # give access waiting for a second person (isg/accounts/access_changes.py), agencies and the directory
    # of organisations decisions are shared with (isg/agencies, isg/directory).
    path("admin-pages/people/", include("isg.accounts.people_urls")),
    path("admin-pages/changes/", include("isg.accounts.change_urls")),
    path("admin-pages/agencies/", include("isg.agencies.urls")),
    path("admin-pages/organisations/", include("isg.directory.urls")),
    # The administration log, read-only, for the partnership (isg/accounts/admin_log.py).
    path("administration-log/", include("isg.accounts.admin_log_urls")),
    path("admin/", admin.site.urls),
]

# Error pages that never read the request body, so they cannot fail (see isg/lib/errors.py).
handler400 = "isg.lib.errors.bad_request"
handler403 = "isg.lib.errors.permission_denied"
handler404 = "isg.lib.errors.page_not_found"
handler500 = "isg.lib.errors.server_error"
