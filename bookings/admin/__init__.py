"""Staff admin for bookings: one module per area, registered on import."""

from bookings.admin import quotas  # noqa
from bookings.admin import waitlist  # noqa
