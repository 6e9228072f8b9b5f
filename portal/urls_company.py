"""Helper A's portal routes: accounts, apply, team, KPI returns, service requests, notifications."""

from django.urls import path

from portal.views import accounts, apply, company, home, team

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
    # team
    path("team/", team.TeamView.as_view(), name="team"),
    path("team/invite/", team.InviteView.as_view(), name="team_invite"),
    path("team/members/<int:pk>/role/", team.MemberRoleView.as_view(), name="team_member_role"),
    path("team/members/<int:pk>/remove/", team.MemberRemoveView.as_view(), name="team_member_remove"),
    path(
        "team/invitations/<int:pk>/revoke/",
        team.InvitationRevokeView.as_view(),
        name="team_invitation_revoke",
    ),
    # notifications
    path("notifications/", home.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", home.NotificationReadView.as_view(), name="notification_read"),
    path("notifications/read-all/", home.NotificationReadAllView.as_view(), name="notifications_read_all"),
    # KPI returns and service requests
    path("kpi/", company.KPIListView.as_view(), name="kpi"),
    path("kpi/<int:pk>/", company.KPIDetailView.as_view(), name="kpi_detail"),
    path("requests/", company.RequestListView.as_view(), name="requests"),
    path("requests/<int:pk>/", company.RequestDetailView.as_view(), name="request_detail"),
]
