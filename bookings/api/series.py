"""API for recurring series: create (or preview) with a per-occurrence report, list, cancel and update.

Scoped like bookings: staff see every series; others their own and their companies' (another
company's series is a 404). ``starts_at_local`` is a local wall-clock time in the resource's campus
zone, written and read without an offset (an offset given is converted to that zone).
"""

from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.models import Booking, BookingSeries
from bookings.selectors.resources import RESOURCE_FOR_BOOKING
from bookings.services import series as services
from core.api.serializers import ReaderRelatedField, validated
from tenants.models import Company


@extend_schema_field(OpenApiTypes.STR)
class WallClockField(serializers.DateTimeField):
    """A local wall-clock time, ``YYYY-MM-DDTHH:MM:SS`` without an offset (an aware input is kept aware)."""

    def enforce_timezone(self, value: datetime) -> datetime:
        return value

    def to_representation(self, value: datetime) -> str:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)  # stored wall-clock digits, tagged UTC
        return value.replace(microsecond=0).isoformat()


class OccurrenceSerializer(serializers.Serializer):
    date = serializers.DateField()
    local_start = serializers.CharField(help_text=_("Local wall-clock start (no offset)."))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField(
        help_text=_("“created” (booked), “ok” (a preview: would be booked) or “conflict” (see code).")
    )
    booking = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)


class SeriesBookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ["id", "starts_at", "ends_at", "status", "title"]
        read_only_fields = fields


class BookingSeriesSerializer(serializers.ModelSerializer):
    starts_at_local = WallClockField(read_only=True)
    bookings = SeriesBookingSerializer(many=True, read_only=True)

    class Meta:
        model = BookingSeries
        fields = [
            "id",
            "resource",
            "company",
            "booked_by",
            "title",
            "rrule",
            "starts_at_local",
            "duration_minutes",
            "time_zone",
            "exdates",
            "cancelled_at",
            "created_at",
            "bookings",
        ]
        read_only_fields = fields


class SeriesCreateSerializer(serializers.Serializer):
    resource = ReaderRelatedField(reader=RESOURCE_FOR_BOOKING)
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False)
    rrule = serializers.CharField(
        max_length=500, help_text=_("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10")
    )
    starts_at_local = WallClockField(help_text=_("First start, local wall-clock time in the campus's zone."))
    duration_minutes = serializers.IntegerField(min_value=1, max_value=7 * 24 * 60)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    attendees = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    exdates = serializers.ListField(
        child=serializers.DateField(), required=False, default=list, max_length=400
    )
    on_conflict = serializers.ChoiceField(choices=services.ON_CONFLICT, default="abort")


class SeriesCreatedSerializer(serializers.Serializer):
    series = BookingSeriesSerializer()
    occurrences = OccurrenceSerializer(many=True)


class SeriesReportSerializer(serializers.Serializer):
    occurrences = OccurrenceSerializer(many=True)


class SeriesConflictSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    occurrences = OccurrenceSerializer(many=True)


class SeriesScopeSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=services.SCOPES)
    occurrence = serializers.DateField(
        required=False, help_text=_("The occurrence's local date; required for “this” and “following”.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["scope"] != "all" and "occurrence" not in attrs:
            raise serializers.ValidationError(
                {"occurrence": [_("Say which occurrence (its local date).")]}, code="required"
            )
        return attrs


class SeriesCancelSerializer(SeriesScopeSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class SeriesUpdateSerializer(SeriesScopeSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    start_time = serializers.TimeField(required=False, help_text=_("New local wall-clock start time."))
    duration_minutes = serializers.IntegerField(min_value=1, max_value=7 * 24 * 60, required=False)
    on_conflict = serializers.ChoiceField(choices=services.ON_CONFLICT, default="abort")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not {"title", "start_time", "duration_minutes"} & set(attrs):
            raise serializers.ValidationError(
                _("Give a title, a start time or a duration to change."), code="nothing_to_change"
            )
        return attrs


class SeriesCancelledSerializer(serializers.Serializer):
    series = BookingSeriesSerializer()
    cancelled = serializers.ListField(child=serializers.IntegerField())


def _conflict_response(exc: services.SeriesConflicts) -> Response:
    return Response(
        {
            "code": "series_conflicts",
            "detail": exc.messages[0],
            "occurrences": services.report_as_dicts(exc.report),
        },
        status=status.HTTP_409_CONFLICT,
    )


class BookingSeriesViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BookingSeriesSerializer
    queryset = BookingSeries.objects.none()

    def get_queryset(self) -> QuerySet[BookingSeries]:
        return BookingSeries.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.order_by("starts_at", "pk"))
        )

    def _reloaded(self, series: BookingSeries) -> dict[str, Any]:
        fresh = BookingSeries.objects.prefetch_related(
            Prefetch("bookings", queryset=Booking.objects.order_by("starts_at", "pk"))
        ).get(pk=series.pk)
        return self.get_serializer(fresh).data

    def _create_args(self, request: Request) -> dict[str, Any]:
        data = validated(SeriesCreateSerializer, request.data)
        return {
            "resource": data["resource"],
            "booked_by": request.user,
            "company": data.get("company"),
            "rrule": data["rrule"],
            "starts_at_local": data["starts_at_local"],
            "duration_minutes": data["duration_minutes"],
            "title": data["title"],
            "attendees": data["attendees"],
            "exdates": data["exdates"],
            "on_conflict": data["on_conflict"],
        }

    @extend_schema(
        request=SeriesCreateSerializer,
        responses={201: SeriesCreatedSerializer, 409: SeriesConflictSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            series, report = services.series_create(**self._create_args(request))
        except services.SeriesConflicts as exc:
            return _conflict_response(exc)
        body = {"series": self._reloaded(series), "occurrences": services.report_as_dicts(report)}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=SeriesCreateSerializer, responses=SeriesReportSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """What creating this series would book, occurrence by occurrence; nothing is written."""
        report = services.series_preview(**self._create_args(request))
        return Response({"occurrences": services.report_as_dicts(report)})

    @extend_schema(request=SeriesCancelSerializer, responses=SeriesCancelledSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        series = self.get_object()  # another company's series is a 404 before the body is read
        data = validated(SeriesCancelSerializer, request.data)
        series, cancelled = services.series_cancel(
            series=series,
            actor=request.user,
            scope=data["scope"],
            occurrence=data.get("occurrence"),
            reason=data["reason"],
        )
        return Response({"series": self._reloaded(series), "cancelled": [b.pk for b in cancelled]})

    @extend_schema(
        request=SeriesUpdateSerializer,
        responses={200: SeriesCreatedSerializer, 409: SeriesConflictSerializer},
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def edit(self, request: Request, pk: str) -> Response:
        """Change one, following or all occurrences; "following" answers the new series it split off."""
        series = self.get_object()
        data = validated(SeriesUpdateSerializer, request.data)
        try:
            series, report = services.series_update(
                series=series,
                actor=request.user,
                scope=data["scope"],
                occurrence=data.get("occurrence"),
                title=data.get("title"),
                starts_at_local_time=data.get("start_time"),
                duration_minutes=data.get("duration_minutes"),
                on_conflict=data["on_conflict"],
            )
        except services.SeriesConflicts as exc:
            return _conflict_response(exc)
        return Response({"series": self._reloaded(series), "occurrences": services.report_as_dicts(report)})
