"""Claims: the rows that make overlapping bookings impossible, including whole-and-part links."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingClaim, Resource, ResourceBlock, WaitlistEntry

DEADLOCK_DETECTED = "40P01"


def overlap_error() -> ValidationError:
    return ValidationError(_("This resource is already booked for that time."), code="booking_overlap")


def footprint_ids(resource: Resource) -> list[int]:
    """The units a booking of ``resource`` holds: itself and every resource inside it, in id order
    (so concurrent writers insert, and wait on, claims in one order)."""
    inside = Resource.objects.filter(parent=resource).order_by().values_list("pk", flat=True)
    return sorted([resource.pk, *inside])


def conflicting_claims(
    *, unit_ids: Iterable[int], starts_at: datetime, ends_at: datetime
) -> QuerySet[BookingClaim]:
    """Claims on any of ``unit_ids`` that meet the half-open range [starts_at, ends_at)."""
    return BookingClaim.objects.filter(unit_id__in=list(unit_ids)).meeting(starts_at, ends_at)


def claims_write(
    *,
    unit_ids: list[int],
    starts_at: datetime,
    ends_at: datetime,
    booking: Booking | None = None,
    offer: WaitlistEntry | None = None,
    block: ResourceBlock | None = None,
) -> list[BookingClaim]:
    """Hold ``unit_ids`` for the range, or raise ``booking_overlap`` and write nothing.

    On PostgreSQL the exclusion constraint is the whole rule: the insert itself is the
    check, and a refused insert (or a deadlock between writers claiming the same units at
    once) becomes ``booking_overlap``. On SQLite, where write transactions are serialised,
    a check inside the caller's transaction comes first.

    A refusal leaves the caller's transaction unusable (no savepoint here: the booking,
    offer or block it belongs to is undone with it). A caller that goes on after a
    refusal runs this in its own ``transaction.atomic()``, as pools, series and the
    waitlist do.
    """
    if connection.vendor != "postgresql" and (
        conflicting_claims(unit_ids=unit_ids, starts_at=starts_at, ends_at=ends_at).exists()
    ):
        raise overlap_error()
    claims = [
        BookingClaim(
            unit_id=unit_id, booking=booking, offer=offer, block=block, starts_at=starts_at, ends_at=ends_at
        )
        for unit_id in unit_ids
    ]
    try:
        # No savepoint; Django marks the enclosing block for rollback if the insert fails.
        with transaction.atomic(savepoint=False):
            return BookingClaim.objects.bulk_create(claims)
    except IntegrityError as exc:
        raise overlap_error() from exc
    except OperationalError as exc:
        # PostgreSQL broke a deadlock between writers claiming the same units at once: this
        # one lost the race for the time, which is what an overlap means to the caller.
        if getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise overlap_error() from exc
        raise


def claims_release(
    *, booking: Booking | None = None, offer: WaitlistEntry | None = None, block: ResourceBlock | None = None
) -> int:
    """Give the held time back. Returns how many claims were deleted."""
    if block is not None:
        return BookingClaim.objects.filter(block=block).delete()[0]
    if booking is not None:
        return BookingClaim.objects.filter(booking=booking).delete()[0]
    if offer is not None:
        return BookingClaim.objects.filter(offer=offer).delete()[0]
    return 0
