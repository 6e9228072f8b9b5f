from smtplib import SMTPException

from celery import shared_task

from notifications import services
from notifications.models import Notification

TRANSIENT_EMAIL_ERRORS = (SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=TRANSIENT_EMAIL_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_email_send_task(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is not None:  # rolled back or deleted since enqueue: nothing to do
        services.notification_email_send(notification=notification)


@shared_task
def notification_email_sweep_task() -> int:
    """Beat, every 5 minutes: re-enqueue e-mails whose enqueue was lost or whose retries ran out."""
    return services.notification_email_sweep()
