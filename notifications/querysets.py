from typing import TYPE_CHECKING, Self

from django.contrib.contenttypes.models import ContentType
from django.db import models

if TYPE_CHECKING:
    from accounts.models import User
    from notifications.models import Notification  # noqa: F401


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, user: "User") -> Self:
        return self.filter(recipient=user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)

    def read(self) -> Self:
        return self.filter(read_at__isnull=False)

    def about(self, obj: models.Model) -> Self:
        """Notifications whose subject object is ``obj``."""
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)

    def email_pending(self) -> Self:
        """E-mail wanted and not sent yet (queued, retrying, or its enqueue was lost)."""
        return self.filter(email_requested=True, email_sent_at__isnull=True)
