"""What the clock does to bookings (run by beat, see ``bookings.tasks``): release no-shows, complete ended
bookings, send reminders. Each run scans by state in primary-key batches; each booking is its own
transaction through the booking services, whose row lock and state check make a second run a no-op."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.services import bookings as booking_services
from bookings.services import notifications as booking_notifications

logger = logging.getLogger(__name__)

S = BookingStatus
BATCH_SIZE = 200
MAX_ROWS = 2000


def _batches(qs, *, max_rows: int = MAX_ROWS):  # type: ignore[no-untyped-def]
    """Bookings of ``qs`` (already filtered by state), in pk batches, at most ``max_rows`` a run."""
    last_pk, seen = 0, 0
    while seen < max_rows:
        batch = list(qs.filter(pk__gt=last_pk).order_by("pk")[: min(BATCH_SIZE, max_rows - seen)])
        if not batch:
            return
        yield from batch
        seen += len(batch)
        last_pk = batch[-1].pk


def _release_due(booking: Booking, now: datetime) -> bool:
    return booking.starts_at + timedelta(minutes=booking.resource.policy.check_in_grace_minutes) <= now


def booking_no_shows_release(*, now: datetime | None = None) -> int:
    """Mark confirmed bookings that require check-in and were not checked in within the grace as no-shows.

    A 10:00 booking with 15 minutes' grace is released at 10:15:00, not before. Returns how many.
    """
    now = now or timezone.now()
    candidates = Booking.objects.filter(
        status=S.CONFIRMED, resource__policy__check_in_required=True, starts_at__lte=now
    ).select_related("resource__policy", "resource__campus", "booked_by")
    released = 0
    for booking in _batches(candidates):
        if not _release_due(booking, now):
            continue
        try:
            booking_services.booking_mark_no_show(booking=booking, actor=None, now=now)
        except ValidationError:  # checked in or cancelled meanwhile: nothing to release
            continue
        released += 1
    if released:
        logger.info("Released %s no-show bookings", released)
    return released


def bookings_complete_ended(*, now: datetime | None = None) -> int:
    """Complete bookings that have ended: checked in, or confirmed where no check-in is required."""
    now = now or timezone.now()
    ended = Booking.objects.filter(ends_at__lte=now).filter(
        Q(status=S.CHECKED_IN) | Q(status=S.CONFIRMED, resource__policy__check_in_required=False)
    )
    completed = 0
    for booking in _batches(ended):
        try:
            booking_services.booking_complete(booking=booking, actor=None)
        except ValidationError:  # moved on meanwhile
            continue
        completed += 1
    return completed


def reminder_window() -> timedelta:
    return timedelta(minutes=settings.BOOKINGS_REMINDER_MINUTES)


@transaction.atomic
def booking_reminder_send(*, booking: Booking, now: datetime) -> bool:
    """Remind the booker once (``reminder_sent_at`` claims it); a booking made inside the window gets none."""
    claimed = Booking.objects.filter(pk=booking.pk, status=S.CONFIRMED, reminder_sent_at=None).update(
        reminder_sent_at=now, updated_at=now
    )
    if not claimed:
        return False
    if booking.created_at > booking.starts_at - reminder_window():
        return False  # booked just before the start: the confirmation said it all
    booking_notifications.booking_notify(booking=booking, event="reminder")
    return True


def booking_reminders_send(*, now: datetime | None = None) -> int:
    """Remind bookers of confirmed bookings starting within ``BOOKINGS_REMINDER_MINUTES``; how many."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=S.CONFIRMED, reminder_sent_at=None, starts_at__gt=now, starts_at__lte=now + reminder_window()
    ).select_related("resource__policy", "resource__campus", "booked_by")
    return sum(booking_reminder_send(booking=booking, now=now) for booking in _batches(due))
