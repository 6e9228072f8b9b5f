"""Serializers of the labs API: model output, and plain inputs for the commands."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from hardware_labs.models import (
    Attendance,
    Consumable,
    ConsumableUse,
    Course,
    Equipment,
    Incident,
    IncidentKind,
    IncidentSeverity,
    MaintenanceKind,
    MaintenanceMode,
    MaintenanceWindow,
    PilotRun,
    PilotRunItem,
    Qualification,
    TrainingSession,
    UsageSession,
)
from spaces.models import Space, SpaceKind
from tenants.models import Company


class ConsumableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consumable
        fields = ["id", "name", "unit", "unit_price"]


class EquipmentSerializer(serializers.ModelSerializer):
    consumables = ConsumableSerializer(many=True, read_only=True)
    required_courses = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Equipment
        fields = [
            "id",
            "lab",
            "resource",
            "asset_tag",
            "name",
            "name_zh",
            "kind",
            "make",
            "model_name",
            "serial",
            "hazard_level",
            "status",
            "hourly_rate",
            "required_courses",
            "consumables",
        ]
        read_only_fields = fields


class CourseSerializer(serializers.ModelSerializer):
    prerequisites = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "description",
            "validity_months",
            "prerequisites",
            "is_lab_induction",
            "lab",
        ]
        read_only_fields = fields


class TrainingSessionSerializer(serializers.ModelSerializer):
    enrolled = serializers.IntegerField(read_only=True, help_text=_("Attendees enrolled."))

    class Meta:
        model = TrainingSession
        fields = ["id", "course", "trainer", "location", "starts_at", "ends_at", "capacity", "enrolled"]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "session", "person", "result"]
        read_only_fields = fields


class QualificationSerializer(serializers.ModelSerializer):
    course_code = serializers.CharField(source="course.code", read_only=True)
    course_name = serializers.CharField(source="course.name", read_only=True)

    class Meta:
        model = Qualification
        fields = [
            "id",
            "person",
            "course",
            "course_code",
            "course_name",
            "granted_at",
            "renewed_at",
            "expires_at",
            "granted_by",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = fields


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceWindow
        fields = [
            "id",
            "equipment",
            "kind",
            "mode",
            "starts_at",
            "ends_at",
            "reason",
            "created_by",
            "cancelled_at",
            "notices_sent_at",
        ]
        read_only_fields = fields


class MaintenanceWindowCreateSerializer(serializers.Serializer):
    equipment = serializers.PrimaryKeyRelatedField(
        queryset=Equipment.objects.select_related("resource__campus")
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=MaintenanceKind.choices, default=MaintenanceKind.PLANNED)
    mode = serializers.ChoiceField(choices=MaintenanceMode.choices, default=MaintenanceMode.CANCEL)


class ConsumableUseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsumableUse
        fields = ["consumable", "quantity"]
        read_only_fields = fields


class UsageSessionSerializer(serializers.ModelSerializer):
    consumables_used = ConsumableUseSerializer(many=True, read_only=True)

    class Meta:
        model = UsageSession
        fields = [
            "id",
            "equipment",
            "person",
            "company",
            "booking",
            "checked_in_at",
            "checked_out_at",
            "minutes",
            "via",
            "notes",
            "consumables_used",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.Serializer):
    equipment = serializers.PrimaryKeyRelatedField(queryset=Equipment.objects.all())
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)


class ConsumableUseInputSerializer(serializers.Serializer):
    consumable = serializers.PrimaryKeyRelatedField(queryset=Consumable.objects.all())
    quantity = serializers.DecimalField(max_digits=10, decimal_places=3, min_value=0)


class CheckOutSerializer(serializers.Serializer):
    consumables = ConsumableUseInputSerializer(many=True, required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "equipment",
            "session",
            "company",
            "reported_by",
            "kind",
            "severity",
            "description",
            "status",
            "resolution",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    equipment = serializers.PrimaryKeyRelatedField(queryset=Equipment.objects.all())
    session = serializers.PrimaryKeyRelatedField(queryset=UsageSession.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices)
    description = serializers.CharField()

    def validate_session(self, value: UsageSession) -> UsageSession:
        user = self.context["user"]
        if not UsageSession.objects.visible_to(user).filter(pk=value.pk).exists():
            raise serializers.ValidationError(_("Unknown usage session."), code="does_not_exist")
        return value


class ResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class PilotRunItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PilotRunItem
        fields = ["id", "equipment", "operator", "starts_at", "ends_at", "booking"]
        read_only_fields = fields


class PilotRunSerializer(serializers.ModelSerializer):
    items = PilotRunItemSerializer(many=True, read_only=True)

    class Meta:
        model = PilotRun
        fields = [
            "id",
            "company",
            "lab",
            "title",
            "plan",
            "requested_by",
            "status",
            "safety_reviewer",
            "safety_notes",
            "safety_approved",
            "reviewed_at",
            "items",
            "created_at",
        ]
        read_only_fields = fields


class PilotRunItemInputSerializer(serializers.Serializer):
    equipment = serializers.PrimaryKeyRelatedField(
        queryset=Equipment.objects.all(), required=False, allow_null=True, default=None
    )
    operator = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class PilotRunCreateSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    lab = serializers.PrimaryKeyRelatedField(queryset=Space.objects.filter(kind=SpaceKind.LAB))
    title = serializers.CharField(max_length=200)
    plan = serializers.CharField()
    items = PilotRunItemInputSerializer(many=True)


class SafetyReviewSerializer(serializers.Serializer):
    notes = serializers.CharField()


class UtilisationQuerySerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", required=False, help_text=_("YYYY-MM; this month if left out.")
    )
    lab = serializers.PrimaryKeyRelatedField(
        queryset=Space.objects.filter(kind=SpaceKind.LAB), required=False
    )
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)


class UtilisationRowSerializer(serializers.Serializer):
    resource = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    lab = serializers.IntegerField()
    equipment = serializers.IntegerField(allow_null=True)
    month = serializers.CharField()
    company = serializers.IntegerField(allow_null=True)
    company_name = serializers.CharField()
    available_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    booked_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    used_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    no_shows = serializers.IntegerField()
