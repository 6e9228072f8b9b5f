"""Signals the bookings app sends for higher apps (access control) to act on.

Receivers connect in their own ``AppConfig.ready()``; the bookings app imports none of them.
"""

from django.dispatch import Signal

# Sent inside the service's transaction after every state change of a booking (created,
# approved, rejected, cancelled, checked in, completed, no-show), with ``booking`` and
# ``action``: door access for the booking follows in the same transaction.
booking_changed = Signal()
