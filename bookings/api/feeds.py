"""API for calendar feeds (each user's own) and the staff's no-show figures."""

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import CalendarFeed, FeedScope, Resource
from bookings.selectors.no_shows import no_show_counts
from bookings.services import feeds as services
from core.api.serializers import validated
from notifications.services import notification_absolute_url
from tenants.models import Company


class CalendarFeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarFeed
        fields = ["id", "scope", "company", "resource", "created_at", "revoked_at", "last_fetched_at"]
        read_only_fields = fields


class CalendarFeedCreatedSerializer(CalendarFeedSerializer):
    url = serializers.CharField(
        read_only=True,
        help_text="Shown once: subscribe to it in a calendar app. Anyone with it can read the feed.",
    )

    class Meta(CalendarFeedSerializer.Meta):
        fields = [*CalendarFeedSerializer.Meta.fields, "url"]
        read_only_fields = fields


class CalendarFeedCreateSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=FeedScope.choices)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    resource = serializers.PrimaryKeyRelatedField(
        queryset=Resource.objects.filter(is_active=True), required=False, allow_null=True
    )


class CalendarFeedViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's own calendar feeds. The feed URL is returned once, on creation."""

    serializer_class = CalendarFeedSerializer
    queryset = CalendarFeed.objects.none()

    def get_queryset(self) -> QuerySet[CalendarFeed]:
        return CalendarFeed.objects.filter(owner=self.request.user)

    @extend_schema(request=CalendarFeedCreateSerializer, responses={201: CalendarFeedCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(CalendarFeedCreateSerializer, request.data)
        feed, token = services.calendar_feed_create(
            owner=request.user,
            scope=data["scope"],
            company=data.get("company"),
            resource=data.get("resource"),
        )
        path = reverse("calendar-feed", kwargs={"token": token})
        feed.url = notification_absolute_url(link=path) or request.build_absolute_uri(path)  # type: ignore[attr-defined]
        return Response(CalendarFeedCreatedSerializer(feed).data, status=201)

    @extend_schema(request=None, responses=CalendarFeedSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        """Stop the feed's URL for good (again is harmless)."""
        feed = services.calendar_feed_revoke(feed=self.get_object(), actor=request.user)
        return Response(self.get_serializer(feed).data)


class NoShowPersonSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    no_shows = serializers.IntegerField()


class NoShowCompanySerializer(serializers.Serializer):
    company = serializers.IntegerField()
    name = serializers.CharField()
    no_shows = serializers.IntegerField()


class NoShowStatsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    people = NoShowPersonSerializer(many=True)
    companies = NoShowCompanySerializer(many=True)


class NoShowStatsQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False)


class NoShowStatsViewSet(viewsets.ViewSet):
    """Staff: repeat no-shows per person and per company, of bookings starting since ``since`` (90 days)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, required=False)],
        responses=NoShowStatsSerializer,
    )
    def list(self, request: Request) -> Response:
        since = validated(NoShowStatsQuerySerializer, request.query_params).get("since") or (
            timezone.now() - timedelta(days=90)
        )
        return Response(NoShowStatsSerializer({"since": since, **no_show_counts(since=since)}).data)
