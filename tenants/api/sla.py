"""Staff-only read API of SLA clocks: ``GET /api/v1/sla-clocks/?overdue=true&track=expedited``."""

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from tenants.models import SLAClock, SLAOutcome, Track
from tenants.selectors import sla as selectors


class SLAClockFilterSet(django_filters.FilterSet):
    subject_type = django_filters.CharFilter(field_name="policy__subject_type")
    step = django_filters.CharFilter()
    track = django_filters.ChoiceFilter(choices=Track.choices)
    outcome = django_filters.ChoiceFilter(choices=SLAOutcome.choices)
    open = django_filters.BooleanFilter(method="filter_open", label="open")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")

    class Meta:
        model = SLAClock
        fields = ["subject_type", "step", "track", "outcome", "open", "overdue"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_open(self, queryset: QuerySet[SLAClock], name: str, value: bool) -> QuerySet[SLAClock]:
        return queryset.filter(stopped_at__isnull=value)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_overdue(self, queryset: QuerySet[SLAClock], name: str, value: bool) -> QuerySet[SLAClock]:
        return queryset.filter(is_overdue=value)


class SLAClockSerializer(serializers.ModelSerializer):
    subject_type = serializers.CharField(source="policy.subject_type", read_only=True)
    subject_model = serializers.SerializerMethodField()
    policy_name = serializers.CharField(source="policy.name", read_only=True)
    state = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SLAClock
        fields = [
            "id",
            "subject_type",
            "subject_model",
            "object_id",
            "step",
            "track",
            "policy",
            "policy_name",
            "assignee",
            "state",
            "is_overdue",
            "started_at",
            "budget_seconds",
            "consumed_seconds",
            "running_since",
            "due_at",
            "paused_reason",
            "stopped_at",
            "outcome",
            "warned_at",
            "breached_at",
            "escalated_at",
            "reminders_sent",
        ]
        read_only_fields = fields

    def get_subject_model(self, clock: SLAClock) -> str:
        """The subject's model as ``app_label.model``, e.g. ``tenants.company``."""
        return f"{clock.content_type.app_label}.{clock.content_type.model}"


class SLAClockViewSet(viewsets.ReadOnlyModelViewSet):
    """SLA clocks for staff queues: expedited first, then the earliest due."""

    serializer_class = SLAClockSerializer
    filterset_class = SLAClockFilterSet
    permission_classes = [permissions.IsAdminUser]

    def get_queryset(self) -> QuerySet[SLAClock]:
        return selectors.sla_clock_list(now=timezone.now())
