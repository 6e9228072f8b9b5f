"""Staff admin for bookings: one module per area, registered on import."""
