from accounts.models import User
from notifications.models import Notification
from notifications.querysets import NotificationQuerySet


def notification_list_for_user(*, user: User, unread: bool | None = None) -> NotificationQuerySet:
    """The user's own notifications, newest first; ``unread`` narrows to unread (True) or read (False)."""
    notifications = Notification.objects.for_recipient(user).select_related("content_type")
    if unread is True:
        return notifications.unread()
    if unread is False:
        return notifications.read()
    return notifications


def notification_unread_count(*, user: User) -> int:
    """How many unread notifications the user has (the badge on the bell)."""
    return Notification.objects.for_recipient(user).unread().count()
