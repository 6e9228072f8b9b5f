from bookings.models.bookings import (
    HOLDING_STATUSES,
    Booking,
    BookingClaim,
    BookingSeries,
    BookingStatus,
    CheckInVia,
    ResourceBlock,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.models.feeds import CalendarFeed, FeedScope
from bookings.models.quotas import CreditAllowance, CreditEntry, CreditReason
from bookings.models.resources import (
    Audience,
    BookingPolicy,
    OpeningHours,
    Resource,
    ResourceKind,
    ResourcePool,
    Weekday,
)

__all__ = [
    "HOLDING_STATUSES",
    "Audience",
    "Booking",
    "BookingClaim",
    "BookingPolicy",
    "BookingSeries",
    "BookingStatus",
    "CalendarFeed",
    "CheckInVia",
    "CreditAllowance",
    "CreditEntry",
    "CreditReason",
    "FeedScope",
    "OpeningHours",
    "Resource",
    "ResourceBlock",
    "ResourceKind",
    "ResourcePool",
    "WaitlistEntry",
    "WaitlistStatus",
    "Weekday",
]
