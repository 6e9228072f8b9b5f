"""Celery entry points of the bookings app: thin, idempotent beat scans (a second run changes nothing)."""

from celery import shared_task
from django.utils import timezone

from bookings.services import automation
from bookings.services import waitlist as waitlist_services
from core.exceptions import TRANSIENT_DB_ERRORS


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def booking_no_shows_release_task() -> int:
    """Beat, every minute: release bookings not checked in within their policy's grace."""
    return automation.booking_no_shows_release()


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def bookings_complete_ended_task() -> int:
    """Beat, every 5 minutes: complete checked-in (and check-in-free confirmed) bookings that have ended."""
    return automation.bookings_complete_ended()


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def booking_reminders_send_task() -> int:
    """Beat, every minute: remind bookers once, ``BOOKINGS_REMINDER_MINUTES`` before the start."""
    return automation.booking_reminders_send()


@shared_task(autoretry_for=TRANSIENT_DB_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def waitlist_expire_offers_task() -> dict[str, int]:
    """Beat, every minute: expire lapsed waitlist offers and offer their slots to the next in line."""
    return waitlist_services.waitlist_expire_offers(now=timezone.now())
