from django.urls import include, path

from portal.views import auth, home

app_name = "portal"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="login"),
    path("sign-out/", auth.SignOutView.as_view(), name="logout"),
    path("", include("portal.urls_company")),  # accounts, apply, team, KPI returns, requests (helper A)
    path("", include("portal.urls_book")),  # booking, calendar, access (portal-b)
]
