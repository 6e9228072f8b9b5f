from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.models import Booking, BookingPolicy, OpeningHours, Resource, ResourceKind, ResourcePool
from bookings.selectors.resources import RESOURCE_FOR_BOOKING
from core.api.serializers import FieldsOnceModelSerializer, ReaderRelatedField
from tenants.models import Company


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens_at", "closes_at"]


class BookingPolicySerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)

    class Meta:
        model = BookingPolicy
        fields = [
            "id",
            "name",
            "is_24x7",
            "opening_hours",
            "min_duration_minutes",
            "max_duration_minutes",
            "slot_minutes",
            "lead_minutes",
            "horizon_days",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "requires_approval",
            "audience",
            "cancel_cutoff_minutes",
            "credits_per_hour",
            "check_in_required",
            "check_in_opens_minutes",
            "check_in_grace_minutes",
            "waitlist_offer_minutes",
        ]
        read_only_fields = fields


class ResourceSerializer(serializers.ModelSerializer):
    building = serializers.IntegerField(source="location.floor.building_id", read_only=True)
    floor = serializers.IntegerField(source="location.floor_id", read_only=True)
    time_zone = serializers.CharField(source="campus.time_zone", read_only=True)

    class Meta:
        model = Resource
        fields = [
            "id",
            "kind",
            "name",
            "name_zh",
            "campus",
            "building",
            "floor",
            "location",
            "space",
            "parent",
            "capacity",
            "policy",
            "time_zone",
            "is_active",
        ]
        read_only_fields = fields


class ResourcePoolSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ResourcePool
        fields = ["id", "campus", "code", "name", "name_zh", "members", "is_active"]
        read_only_fields = fields


class BookingSerializer(FieldsOnceModelSerializer):
    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "resource",
            "resource_name",
            "company",
            "booked_by",
            "series",
            "title",
            "attendees",
            "starts_at",
            "ends_at",
            "blocked_from",
            "blocked_until",
            "status",
            "credits",
            "checked_in_at",
            "checked_in_via",
            "cancelled_at",
            "released_at",
            "created_at",
        ]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    """Book a resource, or (with ``pool``) any free member of a pool."""

    # campus and policy come along (the service reads the zone and the rules), in one statement.
    resource = ReaderRelatedField(reader=RESOURCE_FOR_BOOKING, required=False)
    pool = serializers.PrimaryKeyRelatedField(queryset=ResourcePool.objects.all(), required=False)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Staff only: book past the checks (e.g. a missing qualification), for this reason."),
    )

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if ("resource" in attrs) == ("pool" in attrs):
            raise serializers.ValidationError(_("Give either a resource or a pool."), code="resource_or_pool")
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError(
                {"ends_at": [_("A booking must end after it starts.")]}, code="ends_before_start"
            )
        return attrs


MAX_AVAILABILITY_DAYS = 14


class ResourceAvailabilityQuerySerializer(serializers.Serializer):
    """The query of ``GET /resources/availability/``: a time range (at most 14 days) and filters."""

    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    campus = serializers.IntegerField(required=False, min_value=1)
    building = serializers.IntegerField(required=False, min_value=1)
    floor = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=ResourceKind.choices), required=False, allow_empty=True
    )
    capacity_min = serializers.IntegerField(required=False, min_value=1, max_value=10_000)
    feature = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Feature codes, comma-separated; all must be present.")
    )

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError(
                {"ends_at": [_("The range must end after it starts.")]}, code="ends_before_start"
            )
        if attrs["ends_at"] - attrs["starts_at"] > timedelta(days=MAX_AVAILABILITY_DAYS):
            raise serializers.ValidationError(
                {"ends_at": [_("Search at most %(n)d days at a time.") % {"n": MAX_AVAILABILITY_DAYS}]},
                code="range_too_long",
            )
        attrs["features"] = [c.strip() for c in attrs.pop("feature", "").split(",") if c.strip()]
        return attrs


class ResourceSlotsQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("A day in the resource's campus time zone (YYYY-MM-DD)."))


LOCAL_HELP = _("The same moment in the campus's time zone (ISO 8601).")


class FreeSlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text=_("UTC."))
    ends_at = serializers.DateTimeField(help_text=_("UTC."))
    # ISO 8601 strings with the campus's offset (a DateTimeField would render them in UTC).
    starts_at_local = serializers.CharField(help_text=LOCAL_HELP)
    ends_at_local = serializers.CharField(help_text=LOCAL_HELP)


class ResourceSlotsSerializer(serializers.Serializer):
    """A resource's free slots on one local day."""

    resource = serializers.IntegerField()
    date = serializers.DateField()
    time_zone = serializers.CharField()
    slot_minutes = serializers.IntegerField()
    slots = FreeSlotSerializer(many=True)
