"""Staff API of credentials: ``/api/v1/access-credentials/``.

Staff issue a card, PIN or QR credential from its uid and suspend, reinstate or revoke it.
The identifier never leaves the server: responses carry only ``label``.
"""

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.models import Credential, CredentialKind, CredentialStatus
from access_control.services import credentials as services
from core.api.serializers import ReasonSerializer, validated


class CredentialFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CredentialKind.choices)
    status = django_filters.ChoiceFilter(choices=CredentialStatus.choices)

    class Meta:
        model = Credential
        fields = ["person", "kind", "status"]


class CredentialSerializer(serializers.ModelSerializer):
    """A credential as people see it: the label, never the identifier."""

    person_email = serializers.EmailField(source="person.email", read_only=True)

    class Meta:
        model = Credential
        fields = [
            "id",
            "person",
            "person_email",
            "kind",
            "label",
            "status",
            "valid_from",
            "valid_until",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CredentialIssueSerializer(serializers.Serializer):
    """What staff give to issue a credential; ``uid`` is written once and never shown again."""

    person = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    uid = serializers.CharField(
        write_only=True,
        max_length=128,
        allow_blank=True,
        default="",
        help_text=_(
            "Card UID or PIN. Leave it empty for a QR credential: the server makes its rotating codes' seed."
        ),
    )
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] != CredentialKind.QR and not attrs["uid"].strip():
            given = "uid" in self.initial_data
            raise serializers.ValidationError(
                {
                    "uid": serializers.ErrorDetail(
                        _("Give the card UID or PIN."), code="blank" if given else "required"
                    )
                }
            )
        start, end = attrs.get("valid_from"), attrs.get("valid_until")
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError(
                {"valid_until": _("A credential ends after it starts.")}, code="invalid_range"
            )
        return attrs


class CredentialViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Credentials of people (staff only): issue, then suspend, reinstate or revoke."""

    queryset = Credential.objects.none()
    serializer_class = CredentialSerializer
    filterset_class = CredentialFilterSet
    permission_classes = [IsAdminUser]
    ordering_fields = ["created_at", "valid_from"]

    def get_queryset(self) -> QuerySet[Credential]:
        return Credential.objects.select_related("person").order_by("-created_at", "-pk")

    @extend_schema(request=CredentialIssueSerializer, responses={201: CredentialSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(CredentialIssueSerializer, request.data)
        credential = services.credential_issue(**data, actor=request.user)
        return Response(self.get_serializer(credential).data, status=status.HTTP_201_CREATED)

    def _perform(self, request: Request, command: Any) -> Response:
        data = validated(ReasonSerializer, request.data)
        credential = command(credential=self.get_object(), actor=request.user, reason=data["reason"])
        return Response(self.get_serializer(credential).data)

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        return self._perform(request, services.credential_suspend)

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str) -> Response:
        return self._perform(request, services.credential_reinstate)

    @extend_schema(request=ReasonSerializer, responses=CredentialSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        return self._perform(request, services.credential_revoke)
