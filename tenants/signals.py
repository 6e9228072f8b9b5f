"""Signals the tenants app sends for higher apps (bookings, access control) to act on.

Receivers connect in their own ``AppConfig.ready()``; the tenants app imports none of them.
"""

from django.dispatch import Signal

# Sent inside the ending transaction, with ``incubation``, ``status`` (graduated | expired |
# withdrawn) and ``on`` (date): incubation-only incentives end then.
incubation_ended = Signal()

# Sent inside the closing transaction, with ``tenancy`` and ``ends_on`` (the first day
# no longer held): access grants for the tenancy's spaces end then.
tenancy_ended = Signal()

# Sent inside the transaction whenever a tenancy starts holding, moves on or gives a space back
# (executed, moved in, activated, notice given, moving out, space released), with ``tenancy``.
tenancy_changed = Signal()

# Sent inside the transaction when a company is suspended or reinstated, with ``company``.
company_status_changed = Signal()

# Sent inside the transaction when someone joins or leaves a company, with ``membership``.
membership_changed = Signal()
