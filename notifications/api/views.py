from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from notifications import selectors, services
from notifications.api.serializers import (
    NotificationReadAllSerializer,
    NotificationSerializer,
    NotificationUnreadCountSerializer,
)
from notifications.filters import NotificationFilterSet
from notifications.models import Notification


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in user's own notifications, newest first; ``?unread=true`` for the unread ones."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return selectors.notification_list_for_user(user=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Mark the notification read (again is harmless)."""
        notification = services.notification_mark_read(notification=self.get_object(), user=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=NotificationReadAllSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None, pagination_class=None)
    def read_all(self, request: Request) -> Response:
        """Mark all of the caller's unread notifications read."""
        marked = services.notification_mark_all_read(user=request.user)
        return Response(NotificationReadAllSerializer({"marked": marked}).data)

    @extend_schema(responses=NotificationUnreadCountSerializer)
    @action(
        detail=False, methods=["get"], url_path="unread-count", filterset_class=None, pagination_class=None
    )
    def unread_count(self, request: Request) -> Response:
        """How many unread notifications the caller has."""
        unread = selectors.notification_unread_count(user=request.user)
        return Response(NotificationUnreadCountSerializer({"unread": unread}).data)
