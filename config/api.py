"""The one DRF router: every resource of API v1."""

from rest_framework.routers import DefaultRouter

from notifications.api.views import NotificationViewSet
from spaces.api import views as spaces_views
from tenants.api.applications import ApplicationViewSet

app_name = "api"

router = DefaultRouter()
router.register("campuses", spaces_views.CampusViewSet, basename="campus")
router.register("zones", spaces_views.ZoneViewSet, basename="zone")
router.register("buildings", spaces_views.BuildingViewSet, basename="building")
router.register("floors", spaces_views.FloorViewSet, basename="floor")
router.register("features", spaces_views.FeatureViewSet, basename="feature")
router.register("spaces", spaces_views.SpaceViewSet, basename="space")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("applications", ApplicationViewSet, basename="application")

urlpatterns = router.urls
