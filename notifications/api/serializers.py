from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    subject_type = serializers.SerializerMethodField(
        help_text='What the notification is about, as "app_label.model" (with object_id); null if nothing.'
    )

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "subject", "body", "language", "link", "subject_type", "object_id", "is_read",
            "read_at", "email_requested", "email_sent_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_subject_type(self, notification: Notification) -> str | None:
        content_type = notification.content_type  # select_related by the selector
        return f"{content_type.app_label}.{content_type.model}" if content_type else None


class NotificationReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


class NotificationUnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
