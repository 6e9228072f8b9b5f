"""Staff admin for bookings: one module per area, registered on import."""

from bookings.admin import series  # noqa: F401
from bookings.admin import bookings, resources  # noqa: F401
