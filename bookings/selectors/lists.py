"""Bookings as the portal lists them: a company's, or one person's made for it, in a time window."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from bookings.models import Booking, BookingStatus, WaitlistEntry

# What a calendar shows: bookings that hold their time or took place.
CALENDAR_STATUSES = (
    BookingStatus.PENDING_APPROVAL,
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.COMPLETED,
)


def booking_list_for_company(
    *,
    company: Any,
    person: Any = None,
    ends_after: datetime | None = None,
    starts_before: datetime | None = None,
    statuses: tuple[str, ...] | None = None,
) -> QuerySet[Booking]:
    """The company's bookings (only ``person``'s, if given) meeting [ends_after, starts_before).

    Resource, its campus and policy and the booker are joined, so reading a page is one query.
    """
    qs = Booking.objects.filter(company=company).select_related(
        "resource__campus", "resource__policy", "resource__location__floor__building", "booked_by"
    )
    if person is not None:
        qs = qs.filter(booked_by=person)
    if ends_after is not None:
        qs = qs.filter(ends_at__gt=ends_after)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("starts_at", "pk")


def waitlist_for_person(*, person: Any, company: Any) -> QuerySet[WaitlistEntry]:
    """The person's waitlist entries made for ``company``, soonest first, resource joined."""
    return (
        WaitlistEntry.objects.filter(person=person, company=company)
        .select_related("resource__campus", "resource__policy", "booking")
        .order_by("starts_at", "pk")
    )


__all__ = ["CALENDAR_STATUSES", "booking_list_for_company", "waitlist_for_person"]
