"""Booking checks: rules that higher apps add to every booking, without the bookings app importing them.

``booking_create`` (and so every path that books: the API, the admin booking on someone's
behalf, series, pools, waitlist offers accepted, pilot runs) calls :func:`run` with the request
after the policy rules and before anything is written. A check raises ``ValidationError`` (with a
code) to refuse. An app registers its checks in its ``AppConfig.ready()``::

    checks.register(my_check)  # my_check(request: BookingRequest) -> str | None

A check that would refuse but lets the booking through under a staff override returns a short
note of what it waived; ``booking_create`` records the override (who, why, what was waived) in
the booking's transition log.

Staff give an override with a reason around the call::

    with checks.staff_override(actor=request.user, reason="Supervised by the lab manager"):
        booking_create(...)
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class BookingRequest:
    resource: Any
    booked_by: Any
    company: Any
    starts_at: datetime
    ends_at: datetime
    now: datetime


@dataclass(frozen=True)
class Override:
    actor: Any
    reason: str


Check = Callable[[BookingRequest], str | None]

_checks: list[Check] = []
_override: ContextVar[Override | None] = ContextVar("bookings_check_override", default=None)


def register(check: Check) -> None:
    """Add ``check`` to every booking (idempotent: a check registered twice runs once)."""
    if check not in _checks:
        _checks.append(check)


def unregister(check: Check) -> None:
    if check in _checks:
        _checks.remove(check)


def run(request: BookingRequest) -> list[str]:
    """Run every registered check; return the notes of what a staff override waived."""
    return [note for check in list(_checks) if (note := check(request))]


def current_override() -> Override | None:
    """The staff override in force for the bookings made now, if any."""
    return _override.get()


@contextmanager
def staff_override(*, actor: Any, reason: str) -> Iterator[Override]:
    """Let staff book past the registered checks, for a recorded reason."""
    if not getattr(actor, "is_staff", False):
        raise ValidationError(_("Only staff can override booking checks."), code="override_not_allowed")
    if not reason.strip():
        raise ValidationError(
            {"override_reason": ValidationError(_("Give a reason for the override."), code="required")}
        )
    token = _override.set(Override(actor=actor, reason=reason.strip()))
    try:
        yield _override.get()  # type: ignore[misc]
    finally:
        _override.reset(token)
