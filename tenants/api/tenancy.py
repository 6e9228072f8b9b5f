"""API for agreements, tenancies, incentive grants and occupancy.

Staff see everything; a company's active members read their own company's rows
(another company's row is a 404). Commands are staff-only actions calling services.
"""

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import ReasonSerializer, validated
from spaces.models import Campus, Space
from tenants.models import (
    Agreement,
    AgreementKind,
    Checklist,
    ChecklistItem,
    Company,
    IncentiveGrant,
    PlanSchedule,
    Tenancy,
    TenancySpace,
)
from tenants.selectors.occupancy import occupancy_for_campus
from tenants.services import tenancy as services

# --- serializers --------------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    spaces = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "company",
            "kind",
            "status",
            "starts_on",
            "ends_on",
            "monthly_rent",
            "deposit",
            "free_rent_months",
            "plan_schedule",
            "access_cards",
            "includes_lab_access",
            "uses_park_domicile",
            "spaces",
            "sent_at",
            "signed_at",
            "executed_at",
            "expires_at",
            "notes",
        ]
        read_only_fields = fields


class AgreementCreateSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    spaces = serializers.PrimaryKeyRelatedField(queryset=Space.objects.all(), many=True)
    monthly_rent = serializers.DecimalField(max_digits=12, decimal_places=2, default=0)
    deposit = serializers.DecimalField(max_digits=12, decimal_places=2, default=0)
    free_rent_months = serializers.IntegerField(min_value=0, max_value=120, default=0)
    plan_schedule = serializers.ChoiceField(choices=PlanSchedule.choices, default=PlanSchedule.ALL_HOURS)
    access_cards = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    includes_lab_access = serializers.BooleanField(default=False)
    uses_park_domicile = serializers.BooleanField(default=False)
    notes = serializers.CharField(allow_blank=True, default="")


class TenancySpaceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="space.code", read_only=True)

    class Meta:
        model = TenancySpace
        fields = ["space", "code", "starts_on", "ends_on", "released_on"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "code", "title", "title_zh", "required", "done_at", "done_by", "note"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["id", "kind", "completed_at", "items"]
        read_only_fields = fields


class TenancySerializer(serializers.ModelSerializer):
    spaces = TenancySpaceSerializer(source="tenancy_spaces", many=True, read_only=True)
    checklists = ChecklistSerializer(many=True, read_only=True)

    class Meta:
        model = Tenancy
        fields = [
            "id",
            "company",
            "agreement",
            "status",
            "starts_on",
            "ends_on",
            "plan_schedule",
            "moved_in_at",
            "closed_on",
            "spaces",
            "checklists",
        ]
        read_only_fields = fields


class TenancyNoticeSerializer(ReasonSerializer):
    ends_on = serializers.DateField()


class TenancyCloseSerializer(ReasonSerializer):
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class TenancyReleaseSpaceSerializer(ReasonSerializer):
    space = serializers.PrimaryKeyRelatedField(queryset=Space.objects.all())
    on = serializers.DateField()
    cards_returned = serializers.IntegerField(min_value=0, default=0)


class ChecklistItemCompleteSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True, default="")


class IncentiveGrantSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncentiveGrant
        fields = [
            "id",
            "company",
            "agreement",
            "kind",
            "amount",
            "months",
            "incubation_only",
            "status",
            "starts_on",
            "ends_on",
            "note",
        ]
        read_only_fields = fields


class OccupancyQuerySerializer(serializers.Serializer):
    campus = serializers.PrimaryKeyRelatedField(queryset=Campus.objects.all())
    on = serializers.DateField(required=False)


class OccupancyFiguresSerializer(serializers.Serializer):
    area_m2 = serializers.DecimalField(max_digits=14, decimal_places=2)
    leased_area_m2 = serializers.DecimalField(max_digits=14, decimal_places=2)
    desks = serializers.IntegerField()
    leased_desks = serializers.IntegerField()
    area_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    desk_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)


class OccupancyFloorSerializer(OccupancyFiguresSerializer):
    floor = serializers.IntegerField()
    number = serializers.IntegerField()
    label = serializers.CharField()


class OccupancyBuildingSerializer(OccupancyFiguresSerializer):
    building = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    floors = OccupancyFloorSerializer(many=True)


class OccupancySerializer(serializers.Serializer):
    campus = serializers.IntegerField()
    on = serializers.DateField()
    totals = OccupancyFiguresSerializer()
    by_building_kind = serializers.DictField(child=OccupancyFiguresSerializer())
    buildings = OccupancyBuildingSerializer(many=True)


# --- views --------------------------------------------------------------------------------------------


class AgreementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Agreements. Staff create them and move them along; a company's people read their own."""

    queryset = Agreement.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = AgreementSerializer
    filterset_fields = ["company", "kind", "status"]
    ordering_fields = ["starts_on", "ends_on"]

    def get_queryset(self) -> QuerySet[Agreement]:
        return Agreement.objects.visible_to(self.request.user).prefetch_related("spaces")

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [IsAdminUser()]
        return super().get_permissions()

    @extend_schema(request=AgreementCreateSerializer, responses={201: AgreementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(AgreementCreateSerializer, request.data)
        agreement = services.agreement_create(actor=request.user, **data)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

    def _command(self, request: Request, service: Any) -> Response:
        data = validated(ReasonSerializer, request.data)
        agreement = service(agreement=self.get_object(), actor=request.user, **data)
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(request=ReasonSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def send(self, request: Request, pk: str) -> Response:
        return self._command(request, services.agreement_send)

    @extend_schema(request=ReasonSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def sign(self, request: Request, pk: str) -> Response:
        return self._command(request, services.agreement_sign)

    @extend_schema(request=ReasonSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def decline(self, request: Request, pk: str) -> Response:
        return self._command(request, services.agreement_decline)

    @extend_schema(request=ReasonSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def void(self, request: Request, pk: str) -> Response:
        return self._command(request, services.agreement_void)

    @extend_schema(request=ReasonSerializer, responses={201: TenancySerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def execute(self, request: Request, pk: str) -> Response:
        """Execute a signed agreement: creates the tenancy (409 ``tenancy_overlap`` if a space is taken)."""
        data = validated(ReasonSerializer, request.data)
        tenancy = services.agreement_execute(agreement=self.get_object(), actor=request.user, **data)
        tenancy = _tenancies().get(pk=tenancy.pk)
        return Response(TenancySerializer(tenancy).data, status=status.HTTP_201_CREATED)


def _tenancies() -> QuerySet[Tenancy]:
    return Tenancy.objects.prefetch_related(
        Prefetch("tenancy_spaces", queryset=TenancySpace.objects.select_related("space")),
        Prefetch("checklists", queryset=Checklist.objects.prefetch_related("items")),
    )


class TenancyViewSet(viewsets.ReadOnlyModelViewSet):
    """Tenancies with their spaces and checklists. Commands are staff-only."""

    queryset = Tenancy.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = TenancySerializer
    filterset_fields = ["company", "status"]
    ordering_fields = ["starts_on", "ends_on"]

    def get_queryset(self) -> QuerySet[Tenancy]:
        return _tenancies().filter(pk__in=Tenancy.objects.visible_to(self.request.user).values("pk"))

    def _respond(self, tenancy: Tenancy) -> Response:
        return Response(TenancySerializer(_tenancies().get(pk=tenancy.pk)).data)

    @extend_schema(request=ReasonSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], url_path="move-in", permission_classes=[IsAdminUser])
    def move_in(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        return self._respond(services.tenancy_move_in(tenancy=self.get_object(), actor=request.user, **data))

    @extend_schema(request=TenancyNoticeSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], url_path="give-notice", permission_classes=[IsAdminUser])
    def give_notice(self, request: Request, pk: str) -> Response:
        data = validated(TenancyNoticeSerializer, request.data)
        return self._respond(
            services.tenancy_give_notice(tenancy=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=ReasonSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], url_path="start-move-out", permission_classes=[IsAdminUser])
    def start_move_out(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        return self._respond(
            services.tenancy_start_move_out(tenancy=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=TenancyCloseSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def close(self, request: Request, pk: str) -> Response:
        data = validated(TenancyCloseSerializer, request.data)
        return self._respond(services.tenancy_close(tenancy=self.get_object(), actor=request.user, **data))

    @extend_schema(request=TenancyReleaseSpaceSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], url_path="release-space", permission_classes=[IsAdminUser])
    def release_space(self, request: Request, pk: str) -> Response:
        """A downgrade: give one space back early; creates the downgrade checklist."""
        tenancy = self.get_object()
        data = validated(TenancyReleaseSpaceSerializer, request.data)
        services.tenancy_release_space(tenancy=tenancy, actor=request.user, **data)
        return self._respond(tenancy)

    @extend_schema(request=ChecklistItemCompleteSerializer, responses=TenancySerializer)
    @action(detail=True, methods=["post"], url_path="complete-item", permission_classes=[IsAdminUser])
    def complete_item(self, request: Request, pk: str) -> Response:
        tenancy = self.get_object()
        data = validated(ChecklistItemCompleteSerializer, request.data)
        item = get_object_or_404(ChecklistItem, pk=data["item"], checklist__tenancy=tenancy)
        services.checklist_item_complete(item=item, actor=request.user, note=data["note"])
        return self._respond(tenancy)


class IncentiveGrantViewSet(viewsets.ReadOnlyModelViewSet):
    """Incentive grants; staff move them along."""

    queryset = IncentiveGrant.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = IncentiveGrantSerializer
    filterset_fields = ["company", "kind", "status"]

    def get_queryset(self) -> QuerySet[IncentiveGrant]:
        return IncentiveGrant.objects.visible_to(self.request.user)

    def _command(self, request: Request, service: Any) -> Response:
        data = validated(ReasonSerializer, request.data)
        grant = service(grant=self.get_object(), actor=request.user, **data)
        return Response(IncentiveGrantSerializer(grant).data)

    @extend_schema(request=ReasonSerializer, responses=IncentiveGrantSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def approve(self, request: Request, pk: str) -> Response:
        return self._command(request, services.incentive_approve)

    @extend_schema(request=ReasonSerializer, responses=IncentiveGrantSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def activate(self, request: Request, pk: str) -> Response:
        return self._command(request, services.incentive_activate)

    @extend_schema(request=ReasonSerializer, responses=IncentiveGrantSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def complete(self, request: Request, pk: str) -> Response:
        return self._command(request, services.incentive_complete)

    @extend_schema(request=ReasonSerializer, responses=IncentiveGrantSerializer)
    @action(detail=True, methods=["post"], url_path="claw-back", permission_classes=[IsAdminUser])
    def claw_back(self, request: Request, pk: str) -> Response:
        return self._command(request, services.incentive_claw_back)

    @extend_schema(request=ReasonSerializer, responses=IncentiveGrantSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def cancel(self, request: Request, pk: str) -> Response:
        return self._command(request, services.incentive_cancel)


class OccupancyViewSet(viewsets.ViewSet):
    """Occupancy of a campus on a date (staff): ``GET /occupancy/?campus=<id>&on=YYYY-MM-DD``."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("campus", OpenApiTypes.INT, required=True),
            OpenApiParameter("on", OpenApiTypes.DATE, description="Default: today (Asia/Shanghai)."),
        ],
        responses=OccupancySerializer,
    )
    def list(self, request: Request) -> Response:
        query = validated(OccupancyQuerySerializer, request.query_params)
        on: date = query.get("on") or services.park_today()
        report = occupancy_for_campus(campus=query["campus"], on=on)
        return Response(OccupancySerializer(report).data)
