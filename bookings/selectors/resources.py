"""Reads of resources on hot paths."""

from bookings.models import Resource
from core.db import PkReader

# The resource a booking, series or waitlist entry names, with its campus (the zone) and policy
# (the rules): every booking reads it, and the ORM spent more time composing the three-table
# statement than the database spent answering it.
RESOURCE_FOR_BOOKING = PkReader(Resource.objects.select_related("campus", "policy"))
