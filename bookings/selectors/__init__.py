"""Reads for the bookings API and portal that are more than one QuerySet call."""

from bookings.selectors.availability import (
    FreeSlot,
    resource_availability,
    resource_free_slots,
)
from bookings.selectors.credits import company_credit_balance, current_month

__all__ = [
    "FreeSlot",
    "company_credit_balance",
    "current_month",
    "resource_availability",
    "resource_free_slots",
]
