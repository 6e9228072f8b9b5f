"""API of the incubation lifecycle: programmes, cohorts, incubations and KPI returns."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.permissions import IsStaffOrReadOnly
from core.api.serializers import CleanModelSerializer, validated
from tenants.models import (
    Cohort,
    Company,
    GraduationBasis,
    Incubation,
    KPIReturn,
    Programme,
)
from tenants.models.incubation import COUNT_FIGURES, KPI_FIGURES, MONEY_FIGURES
from tenants.services import incubation as services

# --- serializers --------------------------------------------------------------------------------------


class ProgrammeSerializer(CleanModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "name_zh",
            "max_company_age_months",
            "default_limit_months",
            "kpi_frequency",
            "is_active",
        ]


class CohortSerializer(CleanModelSerializer):
    class Meta:
        model = Cohort
        fields = ["id", "programme", "name", "starts_on", "ends_on"]


class IncubationSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)

    class Meta:
        model = Incubation
        fields = [
            "id",
            "company",
            "company_name",
            "programme",
            "programme_name",
            "cohort",
            "status",
            "admitted_on",
            "limit_on",
            "graduated_on",
            "graduation_basis",
            "graduation_evidence",
            "ended_on",
            "age_override_reason",
        ]
        read_only_fields = fields


class IncubationAdmitSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.select_related("sector"))
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.all(), required=False, allow_null=True
    )
    admitted_on = serializers.DateField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class IncubationGraduateSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=GraduationBasis.choices)
    evidence = serializers.CharField()
    on = serializers.DateField()


class IncubationWithdrawSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField()


class KPIReturnSerializer(serializers.ModelSerializer):
    company = serializers.IntegerField(source="incubation.company_id", read_only=True)
    company_name = serializers.CharField(source="incubation.company.name", read_only=True)
    is_locked = serializers.BooleanField(read_only=True)

    class Meta:
        model = KPIReturn
        fields = [
            "id",
            "incubation",
            "company",
            "company_name",
            "period_start",
            "period_end",
            "status",
            *KPI_FIGURES,
            "requested_at",
            "submitted_at",
            "submitted_by",
            "verified_at",
            "verified_by",
            "rejection_reason",
            "locked_at",
            "is_locked",
        ]
        read_only_fields = fields


class KPIReturnSubmitSerializer(serializers.Serializer):
    """Every figure of the period; money in CNY."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = {
            name: serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
            for name in MONEY_FIGURES
        }
        fields |= {name: serializers.IntegerField(min_value=0) for name in COUNT_FIGURES}
        return {name: fields[name] for name in KPI_FIGURES}


class KPIReturnRejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


# --- views --------------------------------------------------------------------------------------------


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class ProgrammeViewSet(viewsets.ModelViewSet):
    """Incubation programmes and their rules. Any signed-in user reads; staff write."""

    queryset = Programme.objects.all()
    serializer_class = ProgrammeSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_fields = ["is_active", "kpi_frequency"]
    ordering_fields = ["name"]


class CohortViewSet(viewsets.ModelViewSet):
    queryset = Cohort.objects.all()
    serializer_class = CohortSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_fields = ["programme"]
    ordering_fields = ["starts_on", "name"]


class IncubationViewSet(viewsets.ReadOnlyModelViewSet):
    """Incubations: staff see all, a company's people their own company's. Staff admit and end them."""

    queryset = Incubation.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = IncubationSerializer
    filterset_fields = ["status", "programme", "cohort", "company"]
    ordering_fields = ["admitted_on", "limit_on"]

    def get_queryset(self) -> QuerySet[Incubation]:
        return Incubation.objects.visible_to(self.request.user).select_related("company", "programme")

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("create", "graduate", "withdraw"):
            return [IsStaff()]
        return super().get_permissions()

    @extend_schema(request=IncubationAdmitSerializer, responses={201: IncubationSerializer})
    def create(self, request: Request) -> Response:
        """Admit a company; the age rule may be overridden with ``override_reason``."""
        data = validated(IncubationAdmitSerializer, request.data)
        incubation = services.incubation_admit(actor=request.user, **data)
        return Response(self.get_serializer(incubation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IncubationGraduateSerializer, responses=IncubationSerializer)
    @action(detail=True, methods=["post"])
    def graduate(self, request: Request, pk: str) -> Response:
        data = validated(IncubationGraduateSerializer, request.data)
        incubation = services.incubation_graduate(incubation=self.get_object(), actor=request.user, **data)
        return Response(self.get_serializer(incubation).data)

    @extend_schema(request=IncubationWithdrawSerializer, responses=IncubationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = validated(IncubationWithdrawSerializer, request.data)
        incubation = services.incubation_withdraw(incubation=self.get_object(), actor=request.user, **data)
        return Response(self.get_serializer(incubation).data)


class KPIReturnViewSet(viewsets.ReadOnlyModelViewSet):
    """KPI returns: the company's people read and submit their own; staff verify or reject them."""

    queryset = KPIReturn.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = KPIReturnSerializer
    filterset_fields = ["status", "incubation"]
    ordering_fields = ["period_start", "submitted_at"]

    def get_queryset(self) -> QuerySet[KPIReturn]:
        return KPIReturn.objects.visible_to(self.request.user).select_related("incubation__company")

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("verify", "reject"):
            return [IsStaff()]
        return super().get_permissions()

    @extend_schema(request=KPIReturnSubmitSerializer, responses=KPIReturnSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit every figure (again after a rejection). A verified return is locked."""
        kpi_return = self.get_object()
        data = validated(KPIReturnSubmitSerializer, request.data)
        kpi_return = services.kpi_return_submit(kpi_return=kpi_return, figures=data, user=request.user)
        return Response(self.get_serializer(kpi_return).data)

    @extend_schema(request=None, responses=KPIReturnSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        kpi_return = services.kpi_return_verify(kpi_return=self.get_object(), actor=request.user)
        return Response(self.get_serializer(kpi_return).data)

    @extend_schema(request=KPIReturnRejectSerializer, responses=KPIReturnSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = validated(KPIReturnRejectSerializer, request.data)
        kpi_return = services.kpi_return_reject(
            kpi_return=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(kpi_return).data)
