"""API for the waitlist: join a taken slot, see your (and your company's) entries, leave, accept an offer.

Staff see every entry; others their own and their companies' (another company's is a 404).
Only the person waiting (or staff) may leave or accept.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import WaitlistEntry
from bookings.selectors.resources import RESOURCE_FOR_BOOKING
from bookings.services import waitlist as services
from core.api.serializers import ReaderRelatedField, validated
from tenants.models import Company


class WaitlistEntrySerializer(serializers.ModelSerializer):
    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "resource",
            "resource_name",
            "company",
            "person",
            "title",
            "attendees",
            "starts_at",
            "ends_at",
            "status",
            "offered_at",
            "offer_expires_at",
            "booking",
            "created_at",
        ]
        read_only_fields = fields


class WaitlistJoinSerializer(serializers.Serializer):
    resource = ReaderRelatedField(reader=RESOURCE_FOR_BOOKING)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)

    def validate(self, attrs: dict) -> dict:  # type: ignore[type-arg]
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError(
                {"ends_at": [_("A booking must end after it starts.")]}, code="ends_before_start"
            )
        return attrs


class WaitlistEntryViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = WaitlistEntrySerializer
    queryset = WaitlistEntry.objects.none()
    filterset_fields = ["status", "resource"]

    def get_queryset(self) -> QuerySet[WaitlistEntry]:
        return (
            WaitlistEntry.objects.visible_to(self.request.user)
            .select_related("resource")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=WaitlistJoinSerializer, responses={201: WaitlistEntrySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(WaitlistJoinSerializer, request.data)
        entry = services.waitlist_join(person=request.user, **data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        entry = services.waitlist_leave(entry=self.get_object(), actor=request.user)
        return Response(self.get_serializer(entry).data)

    @extend_schema(request=None, responses=WaitlistEntrySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        entry = services.waitlist_accept(entry=self.get_object(), actor=request.user)
        return Response(self.get_serializer(entry).data)
