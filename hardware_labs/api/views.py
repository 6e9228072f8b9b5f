"""API of the labs: equipment, courses and sessions (reference data), qualifications, maintenance
windows, usage sessions, incidents and pilot runs (scoped to the caller's company), utilisation (staff).

Founders see their own rows and their company's; another company's row is a 404. Commands call
one service each; refusals carry the service's code.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import ReasonSerializer, validated
from hardware_labs import filters
from hardware_labs.api import serializers as s
from hardware_labs.models import (
    Course,
    Equipment,
    Incident,
    MaintenanceWindow,
    PilotRun,
    PilotRunItem,
    Qualification,
    TrainingSession,
    UsageSession,
)
from hardware_labs.selectors import lab_utilisation
from hardware_labs.services import maintenance, pilot_runs, trainings, usage


class EquipmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Lab equipment: what it is, its status, the courses it needs, its consumables."""

    serializer_class = s.EquipmentSerializer
    filterset_class = filters.EquipmentFilterSet
    queryset = Equipment.objects.prefetch_related("required_courses", "consumables").order_by(
        "lab_id", "name", "pk"
    )


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CourseSerializer
    queryset = Course.objects.prefetch_related("prerequisites").order_by("code", "pk")


class TrainingSessionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TrainingSessionSerializer
    filterset_class = filters.TrainingSessionFilterSet
    queryset = TrainingSession.objects.annotate(enrolled=Count("attendances")).order_by("-starts_at", "pk")


class QualificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Qualifications: your own, and (owners and admins) your company's people's; staff all."""

    serializer_class = s.QualificationSerializer
    filterset_class = filters.QualificationFilterSet
    queryset = Qualification.objects.none()

    def get_queryset(self) -> QuerySet[Qualification]:
        return (
            Qualification.objects.visible_to(self.request.user)
            .select_related("course")
            .order_by("-granted_at", "pk")
        )

    @extend_schema(request=ReasonSerializer, responses=s.QualificationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def revoke(self, request: Request, pk: str) -> Response:
        """Revoke (a reason is required); the person's bookings that need it are cancelled."""
        reason = validated(ReasonSerializer, request.data)["reason"]
        qualification = trainings.qualification_revoke(
            qualification=self.get_object(), actor=request.user, reason=reason
        )
        return Response(self.get_serializer(qualification).data)


class MaintenanceWindowViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """When equipment is out of service. Everyone signed in reads them; staff plan and cancel them."""

    serializer_class = s.MaintenanceWindowSerializer
    filterset_class = filters.MaintenanceWindowFilterSet
    queryset = MaintenanceWindow.objects.order_by("-starts_at", "pk")

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "cancel"):
            return [IsAdminUser()]
        return super().get_permissions()

    @extend_schema(
        request=s.MaintenanceWindowCreateSerializer, responses={201: s.MaintenanceWindowSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plan a window; the bookings in its way are cancelled (``mode``) and their bookers told."""
        data = validated(s.MaintenanceWindowCreateSerializer, request.data)
        window = maintenance.maintenance_window_create(actor=request.user, **data)
        return Response(self.get_serializer(window).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.MaintenanceWindowSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        window = maintenance.maintenance_window_cancel(window=self.get_object(), actor=request.user)
        return Response(self.get_serializer(window).data)


class UsageSessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Check in and out on equipment (portal, API or a device); your own and your company's sessions."""

    serializer_class = s.UsageSessionSerializer
    filterset_class = filters.UsageSessionFilterSet
    queryset = UsageSession.objects.none()

    def get_queryset(self) -> QuerySet[UsageSession]:
        return (
            UsageSession.objects.visible_to(self.request.user)
            .prefetch_related("consumables_used")
            .order_by("-checked_in_at", "pk")
        )

    @extend_schema(request=s.CheckInSerializer, responses={201: s.UsageSessionSerializer})
    @action(detail=False, methods=["post"], url_path="check-in")
    def check_in(self, request: Request) -> Response:
        data = validated(s.CheckInSerializer, request.data)
        session = usage.usage_check_in(
            equipment=data["equipment"], person=request.user, actor=request.user, company=data.get("company")
        )
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CheckOutSerializer, responses=s.UsageSessionSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str) -> Response:
        data = validated(s.CheckOutSerializer, request.data)
        session = usage.usage_check_out(
            session=self.get_object(),
            actor=request.user,
            consumables=[(c["consumable"], c["quantity"]) for c in data["consumables"]],
            notes=data["notes"],
        )
        return Response(self.get_serializer(session).data)


class IncidentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Damage and safety incidents: anyone signed in reports; you see yours and your company's."""

    serializer_class = s.IncidentSerializer
    filterset_class = filters.IncidentFilterSet
    queryset = Incident.objects.none()

    def get_queryset(self) -> QuerySet[Incident]:
        return Incident.objects.visible_to(self.request.user).order_by("-created_at", "pk")

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(s.IncidentCreateSerializer, request.data, user=request.user)
        incident = usage.incident_report(reported_by=request.user, **data)
        return Response(self.get_serializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ResolutionSerializer, responses=s.IncidentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def resolve(self, request: Request, pk: str) -> Response:
        resolution = validated(s.ResolutionSerializer, request.data)["resolution"]
        incident = usage.incident_resolve(
            incident=self.get_object(), actor=request.user, resolution=resolution
        )
        return Response(self.get_serializer(incident).data)


class PilotRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A company's pilot runs. Founders request and cancel; staff approve (safety review), schedule
    (books everything at once, or answers 409 ``pilot_run_conflicts`` with the ``items`` in the way),
    start and complete."""

    serializer_class = s.PilotRunSerializer
    filterset_class = filters.PilotRunFilterSet
    queryset = PilotRun.objects.none()

    def get_queryset(self) -> QuerySet[PilotRun]:
        return (
            PilotRun.objects.visible_to(self.request.user)
            .prefetch_related(Prefetch("items", queryset=PilotRunItem.objects.order_by("starts_at", "pk")))
            .order_by("-created_at", "pk")
        )

    @extend_schema(request=s.PilotRunCreateSerializer, responses={201: s.PilotRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(s.PilotRunCreateSerializer, request.data)
        run = pilot_runs.pilot_run_create(requested_by=request.user, **data)
        return Response(self.get_serializer(self._reloaded(run)).data, status=status.HTTP_201_CREATED)

    def _reloaded(self, run: PilotRun) -> PilotRun:
        return PilotRun.objects.prefetch_related("items").get(pk=run.pk)

    @extend_schema(request=s.SafetyReviewSerializer, responses=s.PilotRunSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def approve(self, request: Request, pk: str) -> Response:
        notes = validated(s.SafetyReviewSerializer, request.data)["notes"]
        run = pilot_runs.pilot_run_approve(run=self.get_object(), actor=request.user, notes=notes)
        return Response(self.get_serializer(self._reloaded(run)).data)

    @extend_schema(request=None, responses=s.PilotRunSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def schedule(self, request: Request, pk: str) -> Response:
        run = pilot_runs.pilot_run_schedule(run=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self._reloaded(run)).data)

    @extend_schema(request=None, responses=s.PilotRunSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def start(self, request: Request, pk: str) -> Response:
        run = pilot_runs.pilot_run_start(run=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self._reloaded(run)).data)

    @extend_schema(request=None, responses=s.PilotRunSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def complete(self, request: Request, pk: str) -> Response:
        run = pilot_runs.pilot_run_complete(run=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self._reloaded(run)).data)

    @extend_schema(request=ReasonSerializer, responses=s.PilotRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        reason = validated(ReasonSerializer, request.data)["reason"]
        run = pilot_runs.pilot_run_cancel(run=self.get_object(), actor=request.user, reason=reason)
        return Response(self.get_serializer(self._reloaded(run)).data)


class UtilisationViewSet(viewsets.ViewSet):
    """Staff: per lab and piece of equipment in a month, available, booked and used hours and no-shows,
    for all companies and per company."""

    permission_classes = [IsAdminUser]

    @extend_schema(parameters=[s.UtilisationQuerySerializer], responses=s.UtilisationRowSerializer(many=True))
    def list(self, request: Request) -> Response:
        data = validated(s.UtilisationQuerySerializer, request.query_params)
        if "month" in data:
            year, month = (int(p) for p in data["month"].split("-"))
            first = date(year, month, 1)
        else:
            first = timezone.localdate().replace(day=1)
        rows = lab_utilisation(month=first, lab=data.get("lab"), company=data.get("company"))
        return Response(s.UtilisationRowSerializer([r.as_dict() for r in rows], many=True).data)
