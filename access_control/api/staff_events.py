"""Staff API of access events: ``/api/v1/access-events/``, newest first, cursor-paged.

Events only grow and arrive late from offline devices, so pages are cut by cursor (stable
while rows are added) rather than by page number.
"""

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAdminUser

from access_control.models import AccessEvent


class EventCursorPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class EventFilterSet(django_filters.FilterSet):
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AccessEvent
        fields = ["door", "person", "company", "decision", "type", "occurred_after", "occurred_before"]


class EventSerializer(serializers.ModelSerializer):
    door_name = serializers.CharField(source="door.name", read_only=True, default=None)
    person_email = serializers.EmailField(source="person.email", read_only=True, default=None)
    company_name = serializers.CharField(source="company.name", read_only=True, default=None)

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "occurred_at",
            "received_at",
            "site",
            "door",
            "door_name",
            "device",
            "type",
            "decision",
            "reason",
            "source",
            "person",
            "person_email",
            "company",
            "company_name",
            "grant",
            "allowlist_version",
            "clock_suspect",
        ]
        read_only_fields = fields


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Door events (staff only), filtered by door, person, company, decision, type and time."""

    queryset = AccessEvent.objects.none()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    filter_backends = [DjangoFilterBackend]  # the cursor fixes the order
    pagination_class = EventCursorPagination
    permission_classes = [IsAdminUser]

    def get_queryset(self) -> QuerySet[AccessEvent]:
        return AccessEvent.objects.select_related("door", "person", "company")
