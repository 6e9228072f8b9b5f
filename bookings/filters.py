"""FilterSets shared by the API and the portal."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from bookings.models import Booking, BookingStatus, Resource, ResourceKind


class ResourceFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ResourceKind.choices, label=_("Kind"))
    campus = django_filters.NumberFilter(field_name="campus_id", label=_("Campus"))
    building = django_filters.NumberFilter(field_name="location__floor__building_id", label=_("Building"))
    floor = django_filters.NumberFilter(field_name="location__floor_id", label=_("Floor"))
    capacity_min = django_filters.NumberFilter(
        field_name="capacity", lookup_expr="gte", label=_("Minimum capacity")
    )
    feature = django_filters.CharFilter(method="filter_feature", label=_("Features (comma-separated codes)"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Inside"))

    class Meta:
        model = Resource
        fields = ["kind", "campus", "building", "floor", "parent", "is_active"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_feature(self, queryset: QuerySet[Resource], name: str, value: str) -> QuerySet[Resource]:
        for code in {c.strip() for c in value.split(",") if c.strip()}:
            queryset = queryset.filter(location__features__code=code)
        return queryset


class BookingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices, label=_("Status"))
    resource = django_filters.NumberFilter(field_name="resource_id", label=_("Resource"))
    company = django_filters.NumberFilter(field_name="company_id", label=_("Company"))
    series = django_filters.NumberFilter(field_name="series_id", label=_("Series"))
    building = django_filters.NumberFilter(
        field_name="resource__location__floor__building_id", label=_("Building")
    )
    starts_after = django_filters.IsoDateTimeFilter(
        field_name="ends_at", lookup_expr="gt", label=_("Ends after")
    )
    starts_before = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label=_("Starts before")
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Only bookings I made"))

    class Meta:
        model = Booking
        fields = ["status", "resource", "company", "series", "building"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_mine(self, queryset: QuerySet[Booking], name: str, value: bool) -> QuerySet[Booking]:
        return queryset.filter(booked_by=self.request.user) if value else queryset


__all__ = ["BookingFilterSet", "ResourceFilterSet"]
