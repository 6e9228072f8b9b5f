from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.permissions import IsStaffOrReadOnly
from spaces import selectors
from spaces.api.serializers import (
    BuildingCapacitySerializer,
    BuildingSerializer,
    CampusCapacitySerializer,
    CampusSerializer,
    FeatureSerializer,
    FloorSerializer,
    SpaceSerializer,
    ZoneSerializer,
)
from spaces.filters import (
    BuildingFilterSet,
    FloorFilterSet,
    SpaceFilterSet,
    ZoneFilterSet,
)
from spaces.models import Building, Campus, Feature, Floor, Space, Zone


class CampusViewSet(viewsets.ModelViewSet):
    """Campuses. Any signed-in user reads; staff write."""

    queryset = Campus.objects.all()
    serializer_class = CampusSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "code"]

    @extend_schema(responses=CampusCapacitySerializer)
    @action(detail=True, methods=["get"])
    def capacity(self, request: Request, pk: str) -> Response:
        """Capacity and area of the campus's active spaces, by kind and by building."""
        data = selectors.campus_capacity(campus=self.get_object())
        return Response(CampusCapacitySerializer(data).data)


class ZoneViewSet(viewsets.ModelViewSet):
    queryset = Zone.objects.select_related("campus")
    serializer_class = ZoneSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = ZoneFilterSet
    ordering_fields = ["name", "code"]


class BuildingViewSet(viewsets.ModelViewSet):
    queryset = Building.objects.all()
    serializer_class = BuildingSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = BuildingFilterSet
    ordering_fields = ["code", "name", "gross_area_m2"]

    @extend_schema(responses=BuildingCapacitySerializer)
    @action(detail=True, methods=["get"])
    def capacity(self, request: Request, pk: str) -> Response:
        """Capacity and area of the building's active spaces, per floor and by kind."""
        data = selectors.building_capacity(building=self.get_object())
        return Response(BuildingCapacitySerializer(data).data)


class FloorViewSet(viewsets.ModelViewSet):
    queryset = Floor.objects.all()
    serializer_class = FloorSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = FloorFilterSet
    ordering_fields = ["number"]


class FeatureViewSet(viewsets.ModelViewSet):
    queryset = Feature.objects.all()
    serializer_class = FeatureSerializer
    permission_classes = [IsStaffOrReadOnly]


class SpaceViewSet(viewsets.ModelViewSet):
    """Spaces with their path; filter by kind, place, capacity range, features, text."""

    serializer_class = SpaceSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_class = SpaceFilterSet
    ordering_fields = ["code", "name", "capacity", "area_m2"]

    def get_queryset(self) -> QuerySet[Space]:
        return Space.objects.with_path().prefetch_related("features")
