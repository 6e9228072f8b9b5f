"""``/api/access/v1/``: the signed device API (not the DRF router, not in the OpenAPI schema)."""

from django.urls import path

from access_control.api import device_views

app_name = "access_device"

urlpatterns = [
    path("decisions", device_views.decisions_view, name="decisions"),
    path("allowlist", device_views.allowlist_view, name="allowlist"),
    path("allowlist/changes", device_views.allowlist_changes_view, name="allowlist-changes"),
    path("events", device_views.events_view, name="events"),
    path("heartbeat", device_views.heartbeat_view, name="heartbeat"),
    path("ping", device_views.ping_view, name="ping"),
]
