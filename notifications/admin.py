from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import services
from notifications.models import Notification
from notifications.querysets import NotificationQuerySet


class ReadListFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request: HttpRequest, queryset: NotificationQuerySet) -> NotificationQuerySet:
        if self.value() == "yes":
            return queryset.read()
        if self.value() == "no":
            return queryset.unread()
        return queryset


class EmailListFilter(admin.SimpleListFilter):
    title = _("e-mail")
    parameter_name = "email"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("sent", _("Sent")), ("pending", _("Not sent yet")), ("none", _("Not requested"))]

    def queryset(self, request: HttpRequest, queryset: NotificationQuerySet) -> NotificationQuerySet:
        if self.value() == "sent":
            return queryset.filter(email_sent_at__isnull=False)
        if self.value() == "pending":
            return queryset.email_pending()
        if self.value() == "none":
            return queryset.filter(email_requested=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only record of what was said to whom; notifications are created by services."""

    list_display = [
        "created_at", "recipient", "kind", "subject", "language", "is_read", "email_requested",
        "email_sent_at", "email_attempts",
    ]  # fmt: skip
    list_filter = ["kind", ReadListFilter, EmailListFilter, "language", "created_at"]
    search_fields = ["recipient__email", "recipient__full_name", "subject", "kind", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    fields = [
        "recipient", "kind", "language", "subject", "body", "link", "content_type", "object_id",
        "subject_obj_display", "dedupe_key", "read_at", "email_requested", "email_sent_at", "email_attempts",
        "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["resend_email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(boolean=True, description=_("read"), ordering="read_at")
    def is_read(self, notification: Notification) -> bool:
        return notification.is_read

    @admin.display(description=_("about"))
    def subject_obj_display(self, notification: Notification) -> str:
        return str(notification.subject_obj) if notification.content_type_id else "—"

    @admin.action(description=_("Resend e-mail"), permissions=["change"])
    def resend_email(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        queued = 0
        for notification in queryset.select_related("recipient"):
            try:
                services.notification_email_resend(notification=notification)
            except ValidationError as exc:
                self.message_user(
                    request, f"{notification.recipient}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext("%(count)d e-mail queued.", "%(count)d e-mails queued.", queued) % {"count": queued},
                messages.SUCCESS,
            )
