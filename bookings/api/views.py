"""API for resources, pools and bookings.

Everyone signed in reads resources and pools. Bookings are scoped: staff see all;
others see their own and their companies' bookings (another company's is a 404).
"""

from contextlib import nullcontext
from datetime import UTC
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from bookings import checks
from bookings.api.serializers import (
    BookingCreateSerializer,
    BookingPolicySerializer,
    BookingSerializer,
    ResourceAvailabilityQuerySerializer,
    ResourcePoolSerializer,
    ResourceSerializer,
    ResourceSlotsQuerySerializer,
    ResourceSlotsSerializer,
)
from bookings.filters import BookingFilterSet, ResourceFilterSet
from bookings.models import Booking, BookingPolicy, CheckInVia, OpeningHours, Resource, ResourcePool
from bookings.selectors import resource_availability, resource_free_slots
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
        qs = Resource.objects.select_related("campus", "location__floor", "policy")
        if not self.request.user.is_staff:
            qs = qs.filter(is_active=True)
        return qs

    @extend_schema(
        parameters=[ResourceAvailabilityQuerySerializer],
        responses=ResourceSerializer(many=True),
        filters=False,
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def availability(self, request: Request) -> Response:
        """Active resources free (and open) for the whole of [starts_at, ends_at), at most 14 days.

        Only resources the caller may book are listed (staff: all).
        """
        data = validated(ResourceAvailabilityQuerySerializer, request.query_params)
        free = resource_availability(
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            campus=data.get("campus"),
            building=data.get("building"),
            floor=data.get("floor"),
            kinds=data.get("kind"),
            capacity_min=data.get("capacity_min"),
            features=data["features"],
            user=request.user,
        )
        page = self.paginate_queryset(free)
        if page is not None:
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        return Response(self.get_serializer(free, many=True).data)

    @extend_schema(
        parameters=[ResourceSlotsQuerySerializer], responses=ResourceSlotsSerializer, filters=False
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def slots(self, request: Request, pk: str) -> Response:
        """The resource's free slots on a local day, within opening hours, on its policy's grid."""
        day = validated(ResourceSlotsQuerySerializer, request.query_params)["date"]
        resource = self.get_object()
        tz = resource.tzinfo
        slots = resource_free_slots(resource=resource, day=day)
        body = {
            "resource": resource.pk,
            "date": day,
            "time_zone": str(tz),
            "slot_minutes": resource.policy.slot_minutes,
            "slots": [
                {
                    "starts_at": slot.starts_at.astimezone(UTC),
                    "ends_at": slot.ends_at.astimezone(UTC),
                    "starts_at_local": slot.starts_at.astimezone(tz).isoformat(),
                    "ends_at_local": slot.ends_at.astimezone(tz).isoformat(),
                }
                for slot in slots
            ],
        }
        return Response(ResourceSlotsSerializer(body).data)


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
        override = data["override_reason"].strip()
        with checks.staff_override(actor=request.user, reason=override) if override else nullcontext():
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
