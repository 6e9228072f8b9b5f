"""Blocks: a resource taken out of booking for a while (maintenance, an inspection).

A block holds the resource and everything inside it with ``BookingClaim`` rows, as a
booking does, so no booking can meet it (on PostgreSQL the exclusion constraint enforces
it). The caller decides what happens to the bookings in the way (see
:func:`bookings_in_the_way`) before it places the block; waitlist offers in the way lapse.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import (
    HOLDING_STATUSES,
    Booking,
    Resource,
    ResourceBlock,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.services import claims
from core.workflow import transition_log


def bookings_in_the_way(*, resource: Resource, starts_at: datetime, ends_at: datetime) -> QuerySet[Booking]:
    """Holding bookings whose claims meet [starts_at, ends_at) on the resource or anything inside it."""
    booking_ids = (
        claims.conflicting_claims(
            unit_ids=claims.footprint_ids(resource), starts_at=starts_at, ends_at=ends_at
        )
        .filter(booking__isnull=False)
        .values("booking_id")
    )
    return Booking.objects.filter(pk__in=booking_ids, status__in=HOLDING_STATUSES).order_by("starts_at", "pk")


def _lapse_offers(*, unit_ids: list[int], starts_at: datetime, ends_at: datetime, now: datetime) -> int:
    offer_ids = set(
        claims.conflicting_claims(unit_ids=unit_ids, starts_at=starts_at, ends_at=ends_at)
        .filter(offer__isnull=False)
        .values_list("offer_id", flat=True)
    )
    lapsed = 0
    for entry in WaitlistEntry.objects.filter(pk__in=offer_ids, status=WaitlistStatus.OFFERED).order_by("pk"):
        if WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.OFFERED).update(
            status=WaitlistStatus.EXPIRED, updated_at=now
        ):
            claims.claims_release(offer=entry)
            transition_log(
                obj=entry,
                action="expire",
                from_state=WaitlistStatus.OFFERED,
                to_state=WaitlistStatus.EXPIRED,
                reason=_("The resource is blocked for that time."),
            )
            lapsed += 1
    return lapsed


@transaction.atomic
def block_create(
    *,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    actor: Any = None,
    now: datetime | None = None,
) -> ResourceBlock:
    """Block ``resource`` (and everything inside it) for [starts_at, ends_at), or raise and write nothing.

    Bookings still in the way make it ``booking_overlap``; waitlist offers in the way lapse.
    """
    now = now or timezone.now()
    if ends_at <= starts_at:
        raise ValidationError(_("A block must end after it starts."), code="ends_before_start")
    block = ResourceBlock(
        resource=resource,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    block.full_clean(validate_constraints=False)
    block.save()
    unit_ids = claims.footprint_ids(resource)
    _lapse_offers(unit_ids=unit_ids, starts_at=starts_at, ends_at=ends_at, now=now)
    claims.claims_write(resource=resource, starts_at=starts_at, ends_at=ends_at, block=block)
    return block


@transaction.atomic
def block_release(*, block: ResourceBlock, now: datetime | None = None) -> ResourceBlock:
    """Give the blocked time back (idempotent)."""
    now = now or timezone.now()
    claims.claims_release(block=block)
    if block.released_at is None:
        ResourceBlock.objects.filter(pk=block.pk, released_at=None).update(released_at=now, updated_at=now)
        block.released_at = now
    return block


__all__ = ["block_create", "block_release", "bookings_in_the_way"]
