"""Staff API of access grants: ``/api/v1/access-grants/``.

Every grant is listed (derived or entered); staff enter staff, visitor and manual grants and
revoke any grant. Derived sources (tenancy, booking, lab) are refused on create.
"""

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.models import AccessGrant, Door, GrantSchedule, GrantSource
from access_control.services import grants as services
from core.api.serializers import ReasonSerializer, validated
from tenants.models import Company


class GrantFilterSet(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=GrantSource.choices)
    door = django_filters.ModelChoiceFilter(field_name="doors", queryset=Door.objects.all())
    active = django_filters.BooleanFilter(
        method="filter_active", label="active", help_text=_("Live now: not revoked and within its span.")
    )

    class Meta:
        model = AccessGrant
        fields = ["person", "company", "source", "door", "active"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_active(self, queryset: QuerySet[AccessGrant], name: str, value: bool) -> QuerySet[AccessGrant]:
        now = timezone.now()
        live = Q(revoked_at__isnull=True, starts_at__lte=now) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        return queryset.filter(live) if value else queryset.exclude(live)


class GrantSerializer(serializers.ModelSerializer):
    doors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "person",
            "company",
            "source",
            "source_key",
            "doors",
            "starts_at",
            "ends_at",
            "schedule",
            "revoked_at",
            "created_by",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class GrantCreateSerializer(serializers.Serializer):
    """A staff, visitor or manual grant; ``doors`` by id."""

    person = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True, default=None
    )
    source = serializers.ChoiceField(choices=GrantSource.choices)
    doors = serializers.PrimaryKeyRelatedField(queryset=Door.objects.all(), many=True, allow_empty=True)
    starts_at = serializers.DateTimeField(required=False, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    schedule = serializers.ChoiceField(choices=GrantSchedule.choices, default=GrantSchedule.ALL_HOURS)
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["starts_at"] = attrs.get("starts_at") or timezone.now()
        if attrs.get("ends_at") is not None and attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError(
                {"ends_at": _("A grant ends after it starts.")}, code="invalid_range"
            )
        return attrs


class GrantViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Access grants (staff only): who may open which doors, when, and why."""

    queryset = AccessGrant.objects.none()
    serializer_class = GrantSerializer
    filterset_class = GrantFilterSet
    permission_classes = [IsAdminUser]
    ordering_fields = ["starts_at", "created_at"]

    def get_queryset(self) -> QuerySet[AccessGrant]:
        return AccessGrant.objects.prefetch_related(
            Prefetch("doors", queryset=Door.objects.only("pk").order_by("pk"))
        ).order_by("-created_at", "-pk")

    @extend_schema(request=GrantCreateSerializer, responses={201: GrantSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(GrantCreateSerializer, request.data)
        grant = services.grant_create(**data, created_by=request.user)
        return Response(self.get_serializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        grant = services.grant_revoke(grant=self.get_object(), actor=request.user, reason=data["reason"])
        return Response(self.get_serializer(grant).data)
