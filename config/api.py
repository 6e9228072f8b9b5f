"""The one DRF router: every resource of API v1."""

from rest_framework.routers import DefaultRouter

from access_control.api import staff_credentials, staff_events, staff_grants
from access_control.api import staff_devices as access_devices_views
from bookings.api import feeds as bookings_feeds
from bookings.api import quotas as bookings_quotas
from bookings.api import series as bookings_series
from bookings.api import views as bookings_views
from bookings.api import waitlist as bookings_waitlist
from hardware_labs.api import views as labs_views
from notifications.api.views import NotificationViewSet
from spaces.api import views as spaces_views
from tenants.api import companies as companies_views
from tenants.api import incubation as incubation_views
from tenants.api import registration as registration_views
from tenants.api import sla as tenants_sla
from tenants.api import tenancy as tenancy_views
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
router.register("companies", companies_views.CompanyViewSet, basename="company")
router.register("memberships", companies_views.MembershipViewSet, basename="membership")
router.register("invitations", companies_views.InvitationViewSet, basename="invitation")
router.register("programmes", incubation_views.ProgrammeViewSet, basename="programme")
router.register("cohorts", incubation_views.CohortViewSet, basename="cohort")
router.register("incubations", incubation_views.IncubationViewSet, basename="incubation")
router.register("kpi-returns", incubation_views.KPIReturnViewSet, basename="kpi-return")
router.register("sla-clocks", tenants_sla.SLAClockViewSet, basename="sla-clock")
router.register(
    "registration-cases", registration_views.RegistrationCaseViewSet, basename="registration-case"
)
router.register("service-requests", registration_views.ServiceRequestViewSet, basename="service-request")
router.register("agreements", tenancy_views.AgreementViewSet, basename="agreement")
router.register("tenancies", tenancy_views.TenancyViewSet, basename="tenancy")
router.register("incentive-grants", tenancy_views.IncentiveGrantViewSet, basename="incentive-grant")
router.register("occupancy", tenancy_views.OccupancyViewSet, basename="occupancy")
router.register("applications", ApplicationViewSet, basename="application")
router.register("booking-policies", bookings_views.BookingPolicyViewSet, basename="booking-policy")
router.register("resources", bookings_views.ResourceViewSet, basename="resource")
router.register("resource-pools", bookings_views.ResourcePoolViewSet, basename="resource-pool")
router.register("bookings", bookings_views.BookingViewSet, basename="booking")
router.register("booking-series", bookings_series.BookingSeriesViewSet, basename="booking-series")
router.register("credit-balances", bookings_quotas.CreditBalanceViewSet, basename="credit-balance")
router.register("waitlist-entries", bookings_waitlist.WaitlistEntryViewSet, basename="waitlist-entry")
router.register("calendar-feeds", bookings_feeds.CalendarFeedViewSet, basename="calendar-feed")
router.register("no-show-stats", bookings_feeds.NoShowStatsViewSet, basename="no-show-stat")

router.register("lab-equipment", labs_views.EquipmentViewSet, basename="lab-equipment")
router.register("lab-courses", labs_views.CourseViewSet, basename="lab-course")
router.register("training-sessions", labs_views.TrainingSessionViewSet, basename="training-session")
router.register("lab-qualifications", labs_views.QualificationViewSet, basename="lab-qualification")
router.register("maintenance-windows", labs_views.MaintenanceWindowViewSet, basename="maintenance-window")
router.register("usage-sessions", labs_views.UsageSessionViewSet, basename="usage-session")
router.register("lab-incidents", labs_views.IncidentViewSet, basename="lab-incident")
router.register("pilot-runs", labs_views.PilotRunViewSet, basename="pilot-run")
router.register("lab-utilisation", labs_views.UtilisationViewSet, basename="lab-utilisation")

router.register("access-sites", access_devices_views.SiteViewSet, basename="access-site")
router.register("doors", access_devices_views.DoorViewSet, basename="door")
router.register("access-devices", access_devices_views.DeviceViewSet, basename="access-device")
router.register("lockdowns", access_devices_views.LockdownViewSet, basename="lockdown")
router.register("access-credentials", staff_credentials.CredentialViewSet, basename="access-credential")
router.register("access-grants", staff_grants.GrantViewSet, basename="access-grant")
router.register("access-events", staff_events.EventViewSet, basename="access-event")

urlpatterns = router.urls
