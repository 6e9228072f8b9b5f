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


# The footprint (as ``footprint_ids`` has it) and its claims in one constant statement: the units
# are read and held at once, in id order (so concurrent writers insert, and wait on, claims in one
# order).
CLAIMS_INSERT_SQL = """
    INSERT INTO bookings_bookingclaim (unit_id, booking_id, offer_id, block_id, starts_at, ends_at)
    SELECT r.id, %s, %s, %s, %s, %s FROM bookings_resource r
    WHERE r.id = %s OR r.parent_id = %s
    ORDER BY r.id
"""


def claims_write(
    *,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    booking: Booking | None = None,
    offer: WaitlistEntry | None = None,
    block: ResourceBlock | None = None,
) -> int:
    """Hold ``resource`` and everything inside it for the range, or raise ``booking_overlap``
    and write nothing. Returns how many units were claimed.

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
        conflicting_claims(unit_ids=footprint_ids(resource), starts_at=starts_at, ends_at=ends_at).exists()
    ):
        raise overlap_error()
    adapt = connection.ops.adapt_datetimefield_value
    owners = [getattr(owner, "pk", None) for owner in (booking, offer, block)]
    try:
        # No savepoint; Django marks the enclosing block for rollback if the insert fails.
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(
                CLAIMS_INSERT_SQL, [*owners, adapt(starts_at), adapt(ends_at), resource.pk, resource.pk]
            )
            return cursor.rowcount
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
