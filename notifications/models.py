from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Language
from core.models import TimeStampedModel
from notifications.querysets import NotificationQuerySet

LINK_IS_PATH = Q(link="") | (Q(link__startswith="/") & ~Q(link__startswith="//"))


class Notification(TimeStampedModel):
    """One message to one person, shown in the portal and optionally e-mailed.

    ``subject`` and ``body`` are rendered once, at creation, from the templates of
    ``kind`` in the recipient's language (``notifications.services.notify``), so the
    row shows what was said even after the templates change. ``subject_obj`` points
    at the thing the message is about (a booking, a ticket). A non-blank
    ``dedupe_key`` is unique per recipient: notifying twice with it is a no-op.
    ``email_sent_at`` is set by the one task run that claims the e-mail.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # covered by notif_recipient_created_idx
    )
    kind = models.CharField(_("kind"), max_length=100, help_text=_("Template key, e.g. “account.welcome”."))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=8, choices=Language)
    link = models.CharField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("Path inside the site that the notification opens, e.g. “/portal/bookings/12/”."),
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed by (content_type, object_id) below
    )
    object_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject_obj = GenericForeignKey("content_type", "object_id")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_requested = models.BooleanField(_("e-mail requested"), default=False)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True, editable=False)
    email_attempts = models.PositiveIntegerField(_("e-mail attempts"), default=0, editable=False)
    dedupe_key = models.CharField(
        _("dedupe key"),
        max_length=200,
        blank=True,
        help_text=_("If set, the recipient gets at most one notification with this key."),
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_created_idx"),
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notif_recipient_unread_idx",
            ),
            models.Index(
                fields=["updated_at"],
                condition=Q(email_requested=True, email_sent_at__isnull=True),
                name="notif_email_pending_idx",
            ),
            models.Index(fields=["content_type", "object_id"], name="notif_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notifications_notification_dedupe_key_unique",
                violation_error_code="notification_duplicate",
            ),
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="notifications_notification_subject_complete",
                violation_error_code="notifications_notification_subject_complete",
            ),
            models.CheckConstraint(
                condition=LINK_IS_PATH,
                name="notifications_notification_link_is_path",
                violation_error_code="notifications_notification_link_is_path",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def clean(self) -> None:
        super().clean()
        if self.link and (not self.link.startswith("/") or self.link.startswith("//")):
            raise ValidationError(
                {
                    "link": ValidationError(
                        _("Use a path inside this site, starting with “/”."), code="link_not_path"
                    )
                }
            )

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
