"""Applications API: the applicant's drafts and commands, staff screening, review and decision.

Staff see every application (queue order: expedited first); an applicant sees their own;
a reviewer those assigned to them. Another person's application is a 404. Each command
is one ``@action`` calling one service.
"""

from typing import Any

from django.db.models import DateTimeField, QuerySet, Value
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.api.serializers import ReasonSerializer, validated
from tenants.models import (
    Application,
    ApplicationDocument,
    ApplicationFounder,
    DocumentKind,
    MoreInfoRequest,
    Recommendation,
    ReviewAssignment,
    Sector,
)
from tenants.services import applications as services

MAX_COUNT = 10_000  # people or desks on one application

# --- output -------------------------------------------------------------------------------------------


class ApplicationFounderSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationFounder
        fields = ["id", "name", "email", "title", "is_returnee"]


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationDocument
        fields = ["id", "kind", "file", "created_at"]


class ReviewAssignmentSerializer(serializers.ModelSerializer):
    score = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ReviewAssignment
        fields = ["id", "reviewer", "recommendation", "score", "comment", "submitted_at"]


class MoreInfoRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = MoreInfoRequest
        fields = ["id", "question", "requested_at", "answer", "answered_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    founders = ApplicationFounderSerializer(many=True, read_only=True)
    documents = ApplicationDocumentSerializer(many=True, read_only=True)
    more_info_requests = MoreInfoRequestSerializer(many=True, read_only=True)
    # Declared: the model's small-integer range differs per database, and so would the schema.
    team_size = serializers.IntegerField(read_only=True)
    requested_desks = serializers.IntegerField(read_only=True)
    sla_due_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("Staff only: when the open SLA clock falls due (null when paused, stopped or none)."),
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "applicant",
            "applicant_email",
            "applicant_name",
            "applicant_phone",
            "applicant_language",
            "company_name",
            "company_name_zh",
            "sector",
            "founded_on",
            "team_size",
            "funding_stage",
            "is_returnee_founded",
            "is_high_tech",
            "requested_space",
            "requested_desks",
            "requested_start_on",
            "summary",
            "track",
            "status",
            "sla_due_at",
            "more_info_return_status",
            "eligibility",
            "eligibility_passed",
            "eligibility_override_reason",
            "submitted_at",
            "decided_at",
            "decision_note",
            "company",
            "founders",
            "documents",
            "more_info_requests",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------------------


class ApplicationFounderInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_returnee = serializers.BooleanField(required=False, default=False)


class ApplicationDraftSerializer(serializers.ModelSerializer):
    """The intake the applicant fills in (creating or updating a draft)."""

    sector = serializers.SlugRelatedField(slug_field="code", queryset=Sector.objects.all())
    founders = ApplicationFounderInputSerializer(many=True, required=False)
    team_size = serializers.IntegerField(required=False, max_value=MAX_COUNT)
    requested_desks = serializers.IntegerField(required=False, min_value=0, max_value=MAX_COUNT)

    class Meta:
        model = Application
        fields = [
            "applicant_email",
            "applicant_name",
            "applicant_phone",
            "applicant_language",
            "company_name",
            "company_name_zh",
            "sector",
            "founded_on",
            "team_size",
            "funding_stage",
            "is_returnee_founded",
            "is_high_tech",
            "requested_space",
            "requested_desks",
            "requested_start_on",
            "summary",
            "founders",
        ]
        extra_kwargs = {"applicant_email": {"required": False}, "applicant_name": {"required": False}}

    def validate_team_size(self, value: int) -> int:
        if value < 1:
            raise serializers.ValidationError("A team has at least one person.", code="team_size_min")
        return value


class ScreenSerializer(serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField()


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class AssignReviewerSerializer(serializers.Serializer):
    reviewer = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    score = serializers.IntegerField(min_value=1, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(allow_empty_file=True)  # the model says why: document_empty


# --- the viewset --------------------------------------------------------------------------------------


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Admission applications. Writes and commands call the application services."""

    serializer_class = ApplicationSerializer
    filterset_fields = ["status", "track"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Application]:
        qs = Application.objects.visible_to(self.request.user).prefetch_related(
            "founders", "documents", "more_info_requests"
        )
        if self.request.user.is_staff:
            return qs.queue()  # expedited first, then the SLA due time; annotates sla_due_at
        # The park's internal due times are not the applicant's business.
        return qs.annotate(sla_due_at=Value(None, output_field=DateTimeField())).order_by("-created_at", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("create", "update", "partial_update"):
            return ApplicationDraftSerializer
        return ApplicationSerializer

    def _respond(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=application.pk) if code != status.HTTP_201_CREATED else application
        return Response(ApplicationSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ApplicationDraftSerializer, responses={201: ApplicationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a draft; the signed-in applicant's e-mail and name are the defaults."""
        serializer = ApplicationDraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.setdefault("applicant_email", request.user.email)
        data.setdefault("applicant_name", request.user.get_full_name())
        application = services.application_create_draft(actor=request.user, **data)
        return self._respond(self.get_queryset().get(pk=application.pk), status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationDraftSerializer, responses=ApplicationSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the intake of a draft (or while more information is requested)."""
        application = self.get_object()
        serializer = ApplicationDraftSerializer(application, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("applicant_email", None)  # the applicant's identity does not change
        application = services.application_update_draft(application=application, actor=request.user, **data)
        return self._respond(application)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._respond(services.application_submit(application=self.get_object(), actor=request.user))

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = self._input(ReasonSerializer)
        return self._respond(
            services.application_withdraw(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=AnswerSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        """Answer the open question and resubmit."""
        data = self._input(AnswerSerializer)
        return self._respond(
            services.application_resubmit(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="start-screening")
    def start_screening(self, request: Request, pk: str) -> Response:
        data = self._input(ReasonSerializer)
        return self._respond(
            services.application_start_screening(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=ScreenSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def screen(self, request: Request, pk: str) -> Response:
        data = self._input(ScreenSerializer)
        return self._respond(
            services.application_screen(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=QuestionSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="request-more-info")
    def request_more_info(self, request: Request, pk: str) -> Response:
        data = self._input(QuestionSerializer)
        return self._respond(
            services.application_request_more_info(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=AssignReviewerSerializer, responses={201: ReviewAssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="assign-reviewer")
    def assign_reviewer(self, request: Request, pk: str) -> Response:
        data = self._input(AssignReviewerSerializer)
        assignment = services.application_assign_reviewer(
            application=self.get_object(), actor=request.user, **data
        )
        return Response(ReviewAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer, responses=ReviewAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        data = self._input(ReviewSerializer)
        assignment = services.application_review(application=self.get_object(), actor=request.user, **data)
        return Response(ReviewAssignmentSerializer(assignment).data)

    @extend_schema(request=DecideSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        data = self._input(DecideSerializer)
        return self._respond(
            services.application_decide(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="start-onboarding")
    def start_onboarding(self, request: Request, pk: str) -> Response:
        data = self._input(ReasonSerializer)
        return self._respond(
            services.application_start_onboarding(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=ReasonSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        data = self._input(ReasonSerializer)
        return self._respond(
            services.application_complete(application=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: ApplicationDocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request: Request, pk: str) -> Response:
        """Upload a document (PDF, PNG, JPEG or DOCX, at most 10 MB)."""
        data = self._input(DocumentUploadSerializer)
        document = services.application_document_add(
            application=self.get_object(), actor=request.user, **data
        )
        return Response(
            ApplicationDocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        return validated(serializer_class, self.request.data)
