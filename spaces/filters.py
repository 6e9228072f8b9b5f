import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from spaces.models import (
    AmenityKind,
    Building,
    BuildingKind,
    Floor,
    Space,
    SpaceKind,
    Zone,
    ZoneKind,
)
from spaces.querysets import SpaceQuerySet


class SpaceFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=SpaceKind.choices, label=_("Kind"))
    amenity_kind = django_filters.MultipleChoiceFilter(choices=AmenityKind.choices, label=_("Amenity kind"))
    campus = django_filters.NumberFilter(field_name="floor__building__campus_id", label=_("Campus"))
    building = django_filters.NumberFilter(field_name="floor__building_id", label=_("Building"))
    floor = django_filters.NumberFilter(field_name="floor_id", label=_("Floor"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Inside"))
    capacity = django_filters.RangeFilter(label=_("Capacity"))
    feature = django_filters.CharFilter(
        method="filter_feature",
        label=_("Features (comma-separated codes; all must match)"),
    )
    is_bookable = django_filters.BooleanFilter(label=_("Bookable"))
    is_active = django_filters.BooleanFilter(label=_("Active"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search code or name"))

    class Meta:
        model = Space
        fields = [
            "kind",
            "amenity_kind",
            "campus",
            "building",
            "floor",
            "parent",
            "is_bookable",
            "is_active",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_feature(self, queryset: SpaceQuerySet, name: str, value: str) -> SpaceQuerySet:
        codes = [c.strip() for c in value.split(",") if c.strip()]
        return queryset.with_features(codes)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_q(self, queryset: SpaceQuerySet, name: str, value: str) -> SpaceQuerySet:
        return queryset.search(value)


class BuildingFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=BuildingKind.choices, label=_("Kind"))
    q = django_filters.CharFilter(method="filter_q", label=_("Search code or name"))

    class Meta:
        model = Building
        fields = ["campus", "zone", "kind", "is_active"]

    @extend_schema_field(OpenApiTypes.STR)
    def filter_q(self, queryset: QuerySet[Building], name: str, value: str) -> QuerySet[Building]:
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(name_zh__icontains=value)
        )


class ZoneFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ZoneKind.choices, label=_("Kind"))

    class Meta:
        model = Zone
        fields = ["campus", "kind"]


class FloorFilterSet(django_filters.FilterSet):
    campus = django_filters.NumberFilter(field_name="building__campus_id", label=_("Campus"))

    class Meta:
        model = Floor
        fields = ["building", "number"]
