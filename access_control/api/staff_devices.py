"""Staff API for access-control sites, doors, devices, lockdowns and remote unlock (staff only)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.models import Device, DeviceCommand, Door, Lockdown, Site
from access_control.services import devices as services
from core.api.serializers import validated
from spaces.models import Building

# --- serializers --------------------------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer[Site]):
    class Meta:
        model = Site
        fields = ["id", "campus", "building", "zone", "code", "name", "version", "log_floor", "pepper_id"]
        read_only_fields = fields


class DoorSerializer(serializers.ModelSerializer[Door]):
    class Meta:
        model = Door
        fields = [
            "id",
            "site",
            "space",
            "building",
            "floor",
            "code",
            "name",
            "kind",
            "is_enabled",
            "unlock_ms",
        ]
        read_only_fields = fields


class DeviceSerializer(serializers.ModelSerializer[Device]):
    doors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "site",
            "name",
            "key_id",
            "previous_key_expires_at",
            "doors",
            "is_enabled",
            "firmware",
            "last_seen_at",
            "reported_version",
            "queue_depth",
            "is_online",
            "offline_since",
            "last_seq",
        ]
        read_only_fields = fields


class DeviceCreateSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    name = serializers.CharField(max_length=200)
    doors = serializers.PrimaryKeyRelatedField(queryset=Door.objects.all(), many=True, required=False)


class DeviceBindSerializer(serializers.Serializer):
    doors = serializers.PrimaryKeyRelatedField(queryset=Door.objects.all(), many=True)


class DeviceKeysSerializer(serializers.Serializer):
    """Shown once: the device's key id and secret and the site's allow-list pepper."""

    device = DeviceSerializer()
    key_id = serializers.CharField()
    secret_hex = serializers.CharField()
    secret_base64 = serializers.CharField()
    pepper_id = serializers.CharField()
    pepper_hex = serializers.CharField()


class LockdownSerializer(serializers.ModelSerializer[Lockdown]):
    class Meta:
        model = Lockdown
        fields = [
            "id",
            "site",
            "building",
            "started_at",
            "started_by",
            "reason",
            "ended_at",
            "ended_by",
            "end_reason",
        ]
        read_only_fields = fields


class LockdownStartSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    building = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=500)


class LockdownEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DoorUnlockSerializer(serializers.Serializer):
    duration_ms = serializers.IntegerField(min_value=500, max_value=60_000, required=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DeviceCommandSerializer(serializers.ModelSerializer[DeviceCommand]):
    class Meta:
        model = DeviceCommand
        fields = [
            "id",
            "device",
            "door",
            "type",
            "duration_ms",
            "status",
            "expires_at",
            "delivered_at",
            "reason",
        ]
        read_only_fields = fields


# --- views --------------------------------------------------------------------------------------------


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAdminUser]
    serializer_class = SiteSerializer
    queryset = Site.objects.all()


class DoorViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAdminUser]
    serializer_class = DoorSerializer
    queryset = Door.objects.all()
    filterset_fields = ["site", "kind", "is_enabled"]

    @extend_schema(
        request=DoorUnlockSerializer,
        responses={200: DeviceCommandSerializer, 201: DeviceCommandSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description=_("The same key with the same body gives the same command."),
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        """Remote unlock: a command for a device bound to the door, delivered on its next heartbeat (10 s)."""
        data = validated(DoorUnlockSerializer, request.data)
        command, created = services.door_unlock(
            door=self.get_object(),
            requested_by=request.user,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:128],
            duration_ms=data.get("duration_ms"),
            reason=data["reason"],
        )
        return Response(
            DeviceCommandSerializer(command).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAdminUser]
    serializer_class = DeviceSerializer
    queryset = Device.objects.prefetch_related(Prefetch("doors", queryset=Door.objects.only("pk")))
    filterset_fields = ["site", "is_enabled", "is_online"]

    def _keys(self, keys: services.DeviceKeys, code: int = status.HTTP_200_OK) -> Response:
        return Response({"device": DeviceSerializer(keys.device).data, **keys.as_dict()}, status=code)

    @extend_schema(request=DeviceCreateSerializer, responses={201: DeviceKeysSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a device; the answer shows its secret and the site's pepper once."""
        data = validated(DeviceCreateSerializer, request.data)
        keys = services.device_create(site=data["site"], name=data["name"], doors=data.get("doors", []))
        return self._keys(keys, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DeviceSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str) -> Response:
        return Response(DeviceSerializer(services.device_disable(device=self.get_object())).data)

    @extend_schema(request=None, responses=DeviceSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str) -> Response:
        return Response(DeviceSerializer(services.device_enable(device=self.get_object())).data)

    @extend_schema(request=None, responses=DeviceKeysSerializer)
    @action(detail=True, methods=["post"])
    def rotate(self, request: Request, pk: str) -> Response:
        """A new key (shown once); the old one keeps working for a short overlap."""
        return self._keys(services.device_rotate_key(device=self.get_object()))

    @extend_schema(request=DeviceBindSerializer, responses=DeviceSerializer)
    @action(detail=True, methods=["post"], url_path="bind-doors")
    def bind_doors(self, request: Request, pk: str) -> Response:
        data = validated(DeviceBindSerializer, request.data)
        device = services.device_bind_doors(device=self.get_object(), doors=data["doors"])
        return Response(DeviceSerializer(self.get_queryset().get(pk=device.pk)).data)


class LockdownViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAdminUser]
    serializer_class = LockdownSerializer
    queryset = Lockdown.objects.none()
    filterset_fields = ["site"]

    def get_queryset(self) -> QuerySet[Lockdown]:
        return Lockdown.objects.all()

    @extend_schema(request=LockdownStartSerializer, responses={201: LockdownSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a lockdown of a site (or one building of it): every decision there denies."""
        data = validated(LockdownStartSerializer, request.data)
        lockdown = services.lockdown_start(
            site=data["site"], building=data.get("building"), started_by=request.user, reason=data["reason"]
        )
        return Response(LockdownSerializer(lockdown).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LockdownEndSerializer, responses=LockdownSerializer)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """End the lockdown (the row is kept: who, why and when)."""
        data = validated(LockdownEndSerializer, request.data or {})
        lockdown = services.lockdown_end(
            lockdown=self.get_object(), ended_by=request.user, reason=data["reason"]
        )
        return Response(LockdownSerializer(lockdown).data)

    @extend_schema(request=LockdownEndSerializer, responses=LockdownSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the lockdown, saying why."""
        return self.destroy(request, pk=pk)
