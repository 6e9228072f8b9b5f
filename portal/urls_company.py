"""Helper A's portal routes: accounts, apply, team, KPI returns, service requests, notifications."""

from django.urls import path

from portal.views import accounts, apply

urlpatterns = [
    # accounts
    path("sign-up/", accounts.SignUpView.as_view(), name="signup"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("invitations/<str:token>/", accounts.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("profile/", accounts.ProfileView.as_view(), name="profile"),
    path("profile/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    # apply
    path("apply/", apply.ApplyListView.as_view(), name="apply"),
    path("apply/new/", apply.ApplyStepView.as_view(), name="apply_new"),
    path("apply/<int:pk>/", apply.ApplyStatusView.as_view(), name="apply_status"),
    path("apply/<int:pk>/<slug:step>/", apply.ApplyStepView.as_view(), name="apply_step"),
]
