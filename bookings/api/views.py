"""API for resources, pools and bookings.

Everyone signed in reads resources and pools. Bookings are scoped: staff see all;
others see their own and their companies' bookings (another company's is a 404).
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.api.serializers import (
    BookingCreateSerializer,
    BookingPolicySerializer,
    BookingSerializer,
    ResourcePoolSerializer,
    ResourceSerializer,
)
from bookings.filters import BookingFilterSet, ResourceFilterSet
from bookings.models import Booking, BookingPolicy, CheckInVia, OpeningHours, Resource, ResourcePool
from bookings.services import bookings as services
from core.api.serializers import ReasonSerializer, validated


class BookingPolicyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BookingPolicySerializer
    queryset = BookingPolicy.objects.prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))
    )


class ResourceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResourceSerializer
    filterset_class = ResourceFilterSet
    queryset = Resource.objects.none()

    def get_queryset(self) -> QuerySet[Resource]:
        qs = Resource.objects.select_related("campus", "location__floor")
        if not self.request.user.is_staff:
            qs = qs.filter(is_active=True)
        return qs


class ResourcePoolViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResourcePoolSerializer
    queryset = ResourcePool.objects.filter(is_active=True).prefetch_related("members")


class BookingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BookingSerializer
    filterset_class = BookingFilterSet
    queryset = Booking.objects.none()

    def get_queryset(self) -> QuerySet[Booking]:
        return Booking.objects.visible_to(self.request.user).select_related("resource")

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(BookingCreateSerializer, request.data)
        common = {
            "booked_by": request.user,
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "company": data.get("company"),
            "title": data["title"],
            "attendees": data["attendees"],
        }
        if "pool" in data:
            booking = services.booking_create_from_pool(pool=data["pool"], **common)
        else:
            booking = services.booking_create(resource=data["resource"], **common)
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        reason = validated(ReasonSerializer, request.data)["reason"]
        booking = services.booking_cancel(booking=self.get_object(), actor=request.user, reason=reason)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        booking = services.booking_check_in(booking=self.get_object(), actor=request.user, via=CheckInVia.API)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def approve(self, request: Request, pk: str) -> Response:
        reason = validated(ReasonSerializer, request.data)["reason"]
        booking = services.booking_approve(booking=self.get_object(), actor=request.user, reason=reason)
        return Response(self.get_serializer(booking).data)

    @extend_schema(request=ReasonSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def reject(self, request: Request, pk: str) -> Response:
        reason = validated(ReasonSerializer, request.data)["reason"]
        booking = services.booking_reject(booking=self.get_object(), actor=request.user, reason=reason)
        return Response(self.get_serializer(booking).data)
