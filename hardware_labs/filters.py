"""FilterSets of the labs API."""

from datetime import datetime

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from hardware_labs.models import (
    Equipment,
    EquipmentKind,
    EquipmentStatus,
    HazardLevel,
    Incident,
    MaintenanceWindow,
    PilotRun,
    Qualification,
    TrainingSession,
    UsageSession,
)


class EquipmentFilterSet(django_filters.FilterSet):
    lab = django_filters.NumberFilter(field_name="lab_id", label=_("Lab"))
    kind = django_filters.MultipleChoiceFilter(choices=EquipmentKind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=EquipmentStatus.choices, label=_("Status"))
    hazard_level = django_filters.ChoiceFilter(choices=HazardLevel.choices, label=_("Hazard level"))
    course = django_filters.NumberFilter(field_name="required_courses", label=_("Requires course"))

    class Meta:
        model = Equipment
        fields = ["lab", "kind", "status", "hazard_level", "course"]


class TrainingSessionFilterSet(django_filters.FilterSet):
    course = django_filters.NumberFilter(field_name="course_id", label=_("Course"))
    upcoming = django_filters.BooleanFilter(method="filter_upcoming", label=_("Not yet started"))

    class Meta:
        model = TrainingSession
        fields = ["course", "upcoming"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_upcoming(self, queryset: QuerySet[TrainingSession], name: str, value: bool) -> QuerySet:
        now = timezone.now()
        return queryset.filter(starts_at__gt=now) if value else queryset.filter(starts_at__lte=now)


class QualificationFilterSet(django_filters.FilterSet):
    person = django_filters.NumberFilter(field_name="person_id", label=_("Person"))
    course = django_filters.NumberFilter(field_name="course_id", label=_("Course"))
    valid_at = django_filters.IsoDateTimeFilter(method="filter_valid_at", label=_("Valid at"))

    class Meta:
        model = Qualification
        fields = ["person", "course", "valid_at"]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def filter_valid_at(self, queryset: QuerySet[Qualification], name: str, value: datetime) -> QuerySet:
        return queryset.filter(revoked_at__isnull=True, granted_at__lte=value, expires_at__gt=value)


class MaintenanceWindowFilterSet(django_filters.FilterSet):
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("Equipment"))
    lab = django_filters.NumberFilter(field_name="equipment__lab_id", label=_("Lab"))
    active = django_filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", label=_("Not cancelled")
    )

    class Meta:
        model = MaintenanceWindow
        fields = ["equipment", "lab", "kind", "active"]


class UsageSessionFilterSet(django_filters.FilterSet):
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("Equipment"))
    open = django_filters.BooleanFilter(field_name="checked_out_at", lookup_expr="isnull", label=_("Open"))

    class Meta:
        model = UsageSession
        fields = ["equipment", "open"]


class IncidentFilterSet(django_filters.FilterSet):
    equipment = django_filters.NumberFilter(field_name="equipment_id", label=_("Equipment"))

    class Meta:
        model = Incident
        fields = ["equipment", "kind", "severity", "status"]


class PilotRunFilterSet(django_filters.FilterSet):
    lab = django_filters.NumberFilter(field_name="lab_id", label=_("Lab"))

    class Meta:
        model = PilotRun
        fields = ["lab", "status"]
