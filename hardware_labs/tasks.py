"""Celery entry points of the labs app: thin and idempotent (a second run changes nothing)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.exceptions import TRANSIENT_DB_ERRORS
from hardware_labs.models import MaintenanceWindow
from hardware_labs.services import maintenance, trainings

SWEEP_GRACE = timedelta(minutes=2)


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def maintenance_notices_send_task(window_id: int) -> int:
    """After a window is created: tell the people whose bookings it cancelled (once)."""
    window = MaintenanceWindow.objects.filter(pk=window_id).first()
    if window is None:
        return 0
    return maintenance.maintenance_notices_send(window=window)


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def maintenance_notices_sweep_task() -> int:
    """Beat, every 5 minutes: send the notices of windows whose enqueue was lost (broker down)."""
    now = timezone.now()
    due = (
        MaintenanceWindow.objects.filter(
            notices_sent_at__isnull=True, affected_bookings__isnull=False, created_at__lte=now - SWEEP_GRACE
        )
        .distinct()
        .order_by("pk")[:200]
    )
    return sum(maintenance.maintenance_notices_send(window=w, now=now) for w in due)


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def qualification_reminders_send_task() -> dict[str, int]:
    """Beat, daily: remind people whose qualifications expire in 30 and in 7 days (each reminder once)."""
    return trainings.qualification_reminders_send(now=timezone.now())
