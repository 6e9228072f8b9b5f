"""Celery entry points of the bookings app: thin and idempotent."""

from celery import shared_task
from django.utils import timezone

from bookings.services import waitlist as waitlist_services


@shared_task
def waitlist_expire_offers_task() -> dict[str, int]:
    """Beat, every minute: expire lapsed waitlist offers and offer their slots to the next in line."""
    return waitlist_services.waitlist_expire_offers(now=timezone.now())
