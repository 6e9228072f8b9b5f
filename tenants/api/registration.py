"""API of registration cases and the service-request ledger.

Staff see every case and request; a company's people see only their own company's
(another company's is a 404). Commands are actions that call one service each.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.api.serializers import ReasonSerializer, validated
from spaces.models import Campus
from tenants.models import (
    Company,
    RegistrationCase,
    RegistrationStep,
    RegistrationStepKind,
    RegistrationStepStatus,
    ServiceRequest,
    ServiceRequestCategory,
    Track,
    WaitingOn,
)
from tenants.selectors import registration as selectors
from tenants.services import registration as services


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


# --- serializers ----------------------------------------------------------------------------------------


class RegistrationStepSerializer(serializers.ModelSerializer):
    authority_seconds = serializers.SerializerMethodField()

    class Meta:
        model = RegistrationStep
        fields = [
            "id",
            "kind",
            "order",
            "status",
            "waiting_on",
            "external_reference",
            "output_document",
            "data",
            "started_at",
            "submitted_at",
            "completed_at",
            "authority_seconds",
            "authority_since",
        ]
        read_only_fields = fields

    def get_authority_seconds(self, step: RegistrationStep) -> int:
        """Seconds with the authority so far, a wait still running included."""
        return step.authority_seconds_at()


class RegistrationCaseSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    sla_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("When the park's pre-check falls due (null once done or while waiting on the company)."),
    )
    steps = RegistrationStepSerializer(many=True, read_only=True)

    class Meta:
        model = RegistrationCase
        fields = [
            "id",
            "company",
            "company_name",
            "track",
            "status",
            "sla_due_at",
            "officer",
            "opened_at",
            "closed_at",
            "notes",
            "steps",
        ]
        read_only_fields = fields


class RegistrationCaseCreateSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    track = serializers.ChoiceField(choices=Track.choices, default=Track.STANDARD)
    officer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_staff=True), required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RegistrationStepUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RegistrationStepKind.choices)
    status = serializers.ChoiceField(choices=RegistrationStepStatus.choices)
    waiting_on = serializers.ChoiceField(choices=WaitingOn.choices, required=False)
    data = serializers.DictField(required=False)
    external_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ServiceRequestSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    sla_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("When the park's first response falls due (null once it has answered)."),
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "company",
            "company_name",
            "requested_by",
            "campus",
            "category",
            "subject",
            "description",
            "track",
            "status",
            "assignee",
            "created_at",
            "sla_due_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "satisfaction",
        ]
        read_only_fields = fields


class ServiceRequestCreateSerializer(serializers.Serializer):
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.none())
    category = serializers.ChoiceField(choices=ServiceRequestCategory.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    campus = serializers.PrimaryKeyRelatedField(
        queryset=Campus.objects.all(), required=False, allow_null=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # only a company the caller belongs to (staff: any)
            self.fields["company"].queryset = Company.objects.visible_to(request.user)  # type: ignore[attr-defined]


class ServiceRequestAssignSerializer(ReasonSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_staff=True), required=False, allow_null=True
    )


class ServiceRequestCloseSerializer(ReasonSerializer):
    satisfaction = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)


class ServiceRequestRatesQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    campus = serializers.PrimaryKeyRelatedField(
        queryset=Campus.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["until"] <= attrs["since"]:
            raise serializers.ValidationError(
                {
                    "until": serializers.ErrorDetail(
                        str(_("The period ends after it starts.")), code="period_order"
                    )
                }
            )
        return attrs


class RateFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    responded = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    first_response_median_seconds = serializers.FloatField(allow_null=True)
    first_response_avg_seconds = serializers.FloatField(allow_null=True)
    completed = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    resolve_median_seconds = serializers.FloatField(allow_null=True)


class CategoryRateFiguresSerializer(RateFiguresSerializer):
    category = serializers.ChoiceField(choices=ServiceRequestCategory.choices)


class ServiceRequestRatesSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    campus = serializers.IntegerField(allow_null=True)
    overall = RateFiguresSerializer()
    by_category = CategoryRateFiguresSerializer(many=True)


# --- views ----------------------------------------------------------------------------------------------


class RegistrationCaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Registration cases with their nine steps in order. Staff open and run them; a company's people read."""

    queryset = RegistrationCase.objects.none()  # the model, for the schema; rows come from get_queryset()
    serializer_class = RegistrationCaseSerializer
    filterset_fields = ["status", "track", "company"]

    def get_queryset(self) -> QuerySet[RegistrationCase]:
        return selectors.registration_case_list(user=self.request.user)

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("list", "retrieve"):
            return super().get_permissions()
        return [IsStaff()]

    @extend_schema(request=RegistrationCaseCreateSerializer, responses={201: RegistrationCaseSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = validated(RegistrationCaseCreateSerializer, request.data)
        case = services.registration_case_open(actor=request.user, **params)
        case = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RegistrationStepUpdateSerializer, responses=RegistrationCaseSerializer)
    @action(detail=True, methods=["post"], url_path="update-step")
    def update_step(self, request: Request, pk: str) -> Response:
        """Move one step (by kind) to a status, recording its facts; staff only."""
        case = self.get_object()
        params = validated(RegistrationStepUpdateSerializer, request.data)
        values = dict(params)
        step = get_object_or_404(RegistrationStep, case=case, kind=values.pop("kind"))
        services.registration_step_update(step=step, actor=request.user, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(request=ReasonSerializer, responses=RegistrationCaseSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        params = validated(ReasonSerializer, request.data)
        services.registration_case_cancel(case=self.get_object(), actor=request.user, **params)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


class ServiceRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The service-request ledger. A company's people make and follow their requests; staff answer them."""

    queryset = ServiceRequest.objects.none()  # the model, for the schema; rows come from get_queryset()
    serializer_class = ServiceRequestSerializer
    filterset_fields = ["status", "track", "category", "company", "campus"]

    def get_queryset(self) -> QuerySet[ServiceRequest]:
        return selectors.service_request_list(user=self.request.user)

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("acknowledge", "start", "resolve", "rates"):
            return [IsStaff()]
        return super().get_permissions()

    def _respond(self, service_request: ServiceRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=service_request.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=ServiceRequestCreateSerializer, responses={201: ServiceRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = validated(ServiceRequestCreateSerializer, request.data, request=request)
        service_request = services.service_request_create(requested_by=request.user, **params)
        return self._respond(service_request, status.HTTP_201_CREATED)

    @extend_schema(request=ServiceRequestAssignSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        params = validated(ServiceRequestAssignSerializer, request.data)
        return self._respond(
            services.service_request_acknowledge(
                service_request=self.get_object(), actor=request.user, **params
            )
        )

    @extend_schema(request=ServiceRequestAssignSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        params = validated(ServiceRequestAssignSerializer, request.data)
        return self._respond(
            services.service_request_start(service_request=self.get_object(), actor=request.user, **params)
        )

    @extend_schema(request=ReasonSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        params = validated(ReasonSerializer, request.data)
        return self._respond(
            services.service_request_resolve(service_request=self.get_object(), actor=request.user, **params)
        )

    @extend_schema(request=ServiceRequestCloseSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close a resolved request: staff, or the requester confirming (optionally rating 1–5)."""
        params = validated(ServiceRequestCloseSerializer, request.data)
        return self._respond(
            services.service_request_close(service_request=self.get_object(), actor=request.user, **params)
        )

    @extend_schema(request=ReasonSerializer, responses=ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Withdraw a request: the requester, or staff."""
        params = validated(ReasonSerializer, request.data)
        return self._respond(
            services.service_request_cancel(service_request=self.get_object(), actor=request.user, **params)
        )

    @extend_schema(parameters=[ServiceRequestRatesQuerySerializer], responses=ServiceRequestRatesSerializer)
    @action(detail=False, methods=["get"])
    def rates(self, request: Request) -> Response:
        """Response and completion rates of requests made in a period, overall and per category (staff)."""
        params = validated(ServiceRequestRatesQuerySerializer, request.query_params)
        return Response(ServiceRequestRatesSerializer(selectors.service_request_rates(**params)).data)
