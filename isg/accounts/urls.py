from django.urls import path

from . import away_views, invitation_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("away/", away_views.own, name="away"),  # a line manager's own away periods (isg/accounts/away.py)
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password/changed/", views.PasswordChangeDoneView.as_view(), name="password-change-done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    # Invitations (isg/accounts/invitations.py): the link in the email, then the password page
    path("invitation/accept/", invitation_views.invitation_accept, name="invitation-accept"),
    path("invitation/", invitation_views.invitation, name="invitation"),  # ?token=: kept out of the request logs
    # Second factor (isg/accounts/two_factor.py)
    path("two-factor/", two_factor_views.verify, name="two-factor-verify"),
    path("two-factor/set-up/", two_factor_views.setup, name="two-factor-setup"),
    path("two-factor/turn-off/", two_factor_views.remove, name="two-factor-remove"),
    path("two-factor/backup-codes/", two_factor_views.backup_codes_page, name="two-factor-backup-codes"),
]
