from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bookings.views import calendar_feed_view
from core.views import healthz

urlpatterns = [
    # The portal is the front door: it sends staff on to the admin.
    path("", login_not_required(RedirectView.as_view(pattern_name="portal:home", permanent=False))),
    path("portal/", include("portal.urls")),
    path("healthz", healthz, name="healthz"),
    path("calendar/<str:token>.ics", calendar_feed_view, name="calendar-feed"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include("config.api")),
    # The signed device API (access-protocol v1): its own urls, outside the DRF router and schema.
    path("api/access/v1/", include("access_control.api.device_urls")),
    # Session sign-in for the browsable API (founders have no admin access).
    path("api/auth/", include("rest_framework.urls")),
    path(
        "api/schema/",
        login_not_required(SpectacularAPIView.as_view()),
        name="api-schema",
    ),
    path(
        "api/docs/",
        staff_member_required(SpectacularSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
