from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from bookings.models import Booking, BookingPolicy, OpeningHours, Resource, ResourcePool
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


class BookingSerializer(serializers.ModelSerializer):
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

    resource = serializers.PrimaryKeyRelatedField(queryset=Resource.objects.all(), required=False)
    pool = serializers.PrimaryKeyRelatedField(queryset=ResourcePool.objects.all(), required=False)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if ("resource" in attrs) == ("pool" in attrs):
            raise serializers.ValidationError(_("Give either a resource or a pool."), code="resource_or_pool")
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError(
                {"ends_at": [_("A booking must end after it starts.")]}, code="ends_before_start"
            )
        return attrs
