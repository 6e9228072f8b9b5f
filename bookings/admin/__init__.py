"""Staff admin for bookings: one module per area, registered on import."""

from bookings.admin import (  # noqa: F401
    bookings,
    feeds,
    quotas,
    resources,
    series,
    waitlist,
)
