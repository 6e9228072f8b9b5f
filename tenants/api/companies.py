"""Companies, their people and invitations. Staff see all; a company's people see their own."""

from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import ReasonSerializer, validated
from tenants.models import Company, Invitation, MemberRole, Membership
from tenants.services import companies as services


class CompanySerializer(serializers.ModelSerializer):
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Company
        fields = [
            "id", "name", "name_zh", "uscc", "sector", "founded_on", "is_high_tech", "is_returnee_founded",
            "website", "status", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CompanyViewSet(viewsets.ReadOnlyModelViewSet):
    """Companies on the campus. Staff suspend and reinstate them."""

    queryset = Company.objects.none()  # for the schema; get_queryset() scopes to the caller
    serializer_class = CompanySerializer
    filterset_fields = ["status", "is_high_tech", "is_returnee_founded"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Company]:
        return Company.objects.visible_to(self.request.user).select_related("sector").distinct()

    @extend_schema(request=ReasonSerializer, responses=CompanySerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def suspend(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        company = services.company_suspend(
            company=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(company).data)

    @extend_schema(request=ReasonSerializer, responses=CompanySerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def reinstate(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        company = services.company_reinstate(
            company=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(company).data)


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "company",
            "user",
            "email",
            "full_name",
            "role",
            "is_active",
            "ended_at",
            "created_at",
        ]
        read_only_fields = fields


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MemberRole.choices)


def _visible_memberships(user) -> QuerySet[Membership]:  # type: ignore[no-untyped-def]
    qs = Membership.objects.select_related("user")
    if user.is_staff:
        return qs
    mine = Membership.objects.filter(company=OuterRef("company"), user=user, is_active=True)
    return qs.filter(Exists(mine))


class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """The people of the caller's companies (all companies for staff)."""

    queryset = Membership.objects.none()
    serializer_class = MembershipSerializer
    filterset_fields = ["company", "role", "is_active"]

    def get_queryset(self) -> QuerySet[Membership]:
        return _visible_memberships(self.request.user)

    @extend_schema(request=MembershipRoleSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path="change-role")
    def change_role(self, request: Request, pk: str) -> Response:
        data = validated(MembershipRoleSerializer, request.data)
        membership = services.membership_change_role(
            membership=self.get_object(), role=data["role"], actor=request.user
        )
        return Response(self.get_serializer(membership).data)

    @extend_schema(request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        data = validated(ReasonSerializer, request.data)
        membership = services.membership_end(
            membership=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return Response(self.get_serializer(membership).data)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "company", "email", "role", "expires_at", "accepted_at", "revoked_at", "created_at"]
        read_only_fields = ["expires_at", "accepted_at", "revoked_at", "created_at"]


class InvitationCreatedSerializer(InvitationSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once: send it to the invited person.")

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "token"]


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)


class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invitations of the caller's companies; owners and admins invite, anyone invited accepts."""

    queryset = Invitation.objects.none()
    serializer_class = InvitationSerializer
    filterset_fields = ["company"]

    def get_queryset(self) -> QuerySet[Invitation]:
        qs = Invitation.objects.all()
        if self.request.user.is_staff:
            return qs
        mine = Membership.objects.filter(company=OuterRef("company"), user=self.request.user, is_active=True)
        return qs.filter(Exists(mine))

    @extend_schema(request=InvitationSerializer, responses={201: InvitationCreatedSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = validated(InvitationSerializer, request.data)
        company = Company.objects.visible_to(request.user).filter(pk=data["company"].pk).first()
        if company is None:
            raise NotFound
        invitation, token = services.invitation_create(
            company=company,
            email=data["email"],
            role=data["role"],
            invited_by=request.user,
        )
        invitation.token = token  # type: ignore[attr-defined]
        return Response(InvitationCreatedSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        invitation = services.invitation_revoke(invitation=self.get_object(), actor=request.user)
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=InvitationAcceptSerializer, responses=MembershipSerializer)
    @action(detail=False, methods=["post"])
    def accept(self, request: Request) -> Response:
        data = validated(InvitationAcceptSerializer, request.data)
        membership = services.invitation_accept(token=data["token"], user=request.user)
        return Response(MembershipSerializer(membership).data)
