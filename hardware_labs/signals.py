"""Signals the labs app sends for higher apps (access control) to act on.

Sent inside the service's transaction with ``qualification`` when a qualification is granted,
renewed or revoked (``action``): lab door access follows in the same transaction.
"""

from django.dispatch import Signal

qualification_changed = Signal()
