"""Staff admin for bookings: one module per area, registered on import."""

from bookings.admin import feeds  # noqa: F401
