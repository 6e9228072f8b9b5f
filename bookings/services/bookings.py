"""Booking writes: create (one resource or any free member of a pool), approve, reject, cancel, check in,
complete and no-show. Every change is one transaction and writes a transition log row."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import checks
from bookings.models import (
    HOLDING_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    CheckInVia,
    Resource,
    ResourcePool,
)
from bookings.services import claims, quotas, rules, waitlist
from bookings.services import notifications as booking_notifications
from bookings.signals import booking_changed
from core.calendar import WorkingCalendar
from core.exceptions import ActionForbidden
from core.workflow import Transition, Workflow, transition_log
from tenants.models import Company, Membership
from tenants.selectors.companies import member_companies

S = BookingStatus


def _is_staff(actor: Any, booking: Booking) -> bool:
    return bool(actor.is_staff)


def may_manage(actor: Any, *, booked_by_id: int, company_id: int | None) -> bool:
    """The booker, an owner or admin of the company booked for, or staff (bookings and series)."""
    if actor.is_staff or booked_by_id == actor.pk:
        return True
    return (
        company_id is not None
        and Membership.objects.managing().filter(company_id=company_id, user=actor).exists()
    )


def _manages(actor: Any, booking: Booking) -> bool:
    return may_manage(actor, booked_by_id=booking.booked_by_id, company_id=booking.company_id)


def _attends(actor: Any, booking: Booking) -> bool:
    """The booker, any active member of the booking's company, or staff."""
    if actor.is_staff or booking.booked_by_id == actor.pk:
        return True
    return (
        booking.company_id is not None
        and Membership.objects.active().filter(company_id=booking.company_id, user=actor).exists()
    )


BOOKING_WORKFLOW = Workflow(
    [
        Transition("approve", (S.PENDING_APPROVAL,), S.CONFIRMED, allowed=_is_staff),
        Transition("reject", (S.PENDING_APPROVAL,), S.REJECTED, allowed=_is_staff),
        Transition("cancel", (S.PENDING_APPROVAL, S.CONFIRMED), S.CANCELLED, allowed=_manages),
        Transition("check_in", (S.CONFIRMED,), S.CHECKED_IN, allowed=_attends),
        Transition("complete", (S.CONFIRMED, S.CHECKED_IN), S.COMPLETED, allowed=_is_staff),
        Transition("mark_no_show", (S.CONFIRMED,), S.NO_SHOW, allowed=_is_staff),
    ]
)


def booking_company(*, user: Any, company: Company | None) -> Company | None:
    """The company a booking is for: the one given (the user must belong to it), the user's only
    company, or none for staff booking for the park."""
    if company is not None:
        if user.is_staff:
            return company
        if not Membership.objects.active().filter(company=company, user=user).exists():
            raise ActionForbidden(_("You are not a member of that company."), code="not_a_member")
        return company
    if user.is_staff:
        return None
    companies = member_companies(user, limit=2)  # two tell "one company" from "say which"
    if not companies:
        raise ActionForbidden(_("You are not a member of any company."), code="not_a_member")
    if len(companies) > 1:
        raise ValidationError(
            {
                "company": ValidationError(
                    _("Say which of your companies this is for."), code="company_required"
                )
            }
        )
    return companies[0]


def _checked(
    *,
    resource: Resource,
    booked_by: Any,
    company: Company | None,
    starts_at: datetime,
    ends_at: datetime,
    attendees: int,
    now: datetime,
    calendar: WorkingCalendar | None,
) -> list[str]:
    """The policy rules, then the checks other apps registered (``bookings.checks``); returns what a
    staff override waived."""
    if not resource.is_active:
        raise ValidationError(
            _("%(resource)s cannot be booked now.") % {"resource": resource}, code="resource_inactive"
        )
    rules.check_times(
        resource=resource,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        is_staff=booked_by.is_staff,
        calendar=calendar,
    )
    rules.check_capacity(resource=resource, attendees=attendees)
    rules.check_audience(
        resource=resource,
        company=company,
        is_staff=booked_by.is_staff,
        on=starts_at.astimezone(resource.tzinfo).date(),
    )
    return checks.run(
        checks.BookingRequest(
            resource=resource,
            booked_by=booked_by,
            company=company,
            starts_at=starts_at,
            ends_at=ends_at,
            now=now,
        )
    )


@transaction.atomic
def booking_create(
    *,
    resource: Resource,
    booked_by: Any,
    starts_at: datetime,
    ends_at: datetime,
    company: Company | None = None,
    title: str = "",
    attendees: int = 1,
    series: BookingSeries | None = None,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
    actor: Any = None,
) -> Booking:
    """Book ``resource`` for [starts_at, ends_at), or raise and write nothing.

    ``actor`` is who books when it is not ``booked_by`` (staff booking on a person's behalf):
    the log names them; the rules and checks are the booked person's.

    The booking holds the resource and everything inside it, widened by the policy's
    buffers; a clash anywhere is ``booking_overlap`` (409). A policy that requires
    approval makes a ``pending_approval`` booking (it holds the time meanwhile), unless
    staff book.
    """
    now = now or timezone.now()
    company = booking_company(user=booked_by, company=company)
    waived = _checked(
        resource=resource,
        booked_by=booked_by,
        company=company,
        starts_at=starts_at,
        ends_at=ends_at,
        attendees=attendees,
        now=now,
        calendar=calendar,
    )
    policy = resource.policy
    status = S.PENDING_APPROVAL if policy.requires_approval and not booked_by.is_staff else S.CONFIRMED
    booking = Booking(
        resource=resource,
        company=company,
        booked_by=booked_by,
        series=series,
        title=title,
        attendees=attendees,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_from=starts_at - policy.buffer_before,
        blocked_until=ends_at + policy.buffer_after,
        status=status,
    )
    # Field rules only: every check constraint holds by construction (the rules above checked
    # the times; blocked_* widen them; status, credits and check-in are set here), and the
    # related rows are instances in hand; Django would spend a query on each proving it.
    # The database still enforces them.
    booking.full_clean(exclude=["resource", "company", "booked_by", "series"], validate_constraints=False)
    booking.save()
    # Before the claims: their rows then stay uncommitted for less time under contention.
    booking_notifications.booking_notify(
        booking=booking,
        event="confirmed" if status == S.CONFIRMED else "pending",
        actor=booked_by,
        created=True,
    )
    claims.claims_write(
        resource=resource,
        starts_at=booking.blocked_from,
        ends_at=booking.blocked_until,
        booking=booking,
    )
    if status == S.CONFIRMED:
        quotas.booking_charge(booking=booking)
    transition_log(obj=booking, action="create", from_state="", to_state=status, actor=actor or booked_by)
    if waived:
        override = checks.current_override()
        transition_log(
            obj=booking,
            action="override",
            from_state=status,
            to_state=status,
            actor=override.actor if override else None,
            reason=override.reason if override else "",
            data={"waived": waived},
        )
    booking_changed.send(sender=Booking, booking=booking, action="create")
    return booking


@transaction.atomic
def booking_create_from_pool(
    *,
    pool: ResourcePool,
    booked_by: Any,
    starts_at: datetime,
    ends_at: datetime,
    company: Company | None = None,
    title: str = "",
    attendees: int = 1,
    now: datetime | None = None,
) -> Booking:
    """Book one free member of ``pool`` (the first by id that can be had), atomically.

    Members that are taken, or that the booker may not have, are passed over; if none
    is left the error is ``pool_exhausted`` (409). Each try runs in a savepoint, so a
    member lost to a concurrent booking leaves nothing behind.
    """
    if not pool.is_active:
        raise ValidationError(_("This pool is not open for booking."), code="pool_inactive")
    members = list(
        pool.members.filter(is_active=True, capacity__gte=attendees)
        .select_related("campus", "policy")
        .order_by("pk")
    )
    last_refusal: ValidationError | None = None
    taken = 0
    for resource in members:
        try:
            with transaction.atomic():
                return booking_create(
                    resource=resource,
                    booked_by=booked_by,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    company=company,
                    title=title,
                    attendees=attendees,
                    now=now,
                )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "booking_overlap":
                taken += 1
            else:
                last_refusal = exc
    if last_refusal is not None and not taken:
        raise last_refusal  # no member was taken: each refused for a reason (closed, say); say it
    raise ValidationError(
        _("No resource in %(pool)s is free for that time.") % {"pool": pool}, code="pool_exhausted"
    )


def _perform(
    booking: Booking, action: str, *, actor: Any, reason: str = "", apply=None, data=None
) -> Booking:  # type: ignore[no-untyped-def]
    booking = BOOKING_WORKFLOW.perform(
        booking,
        action=action,
        actor=actor,
        reason=reason,
        apply=apply,
        data=data,
    )
    booking_changed.send(sender=Booking, booking=booking, action=action)
    return booking


@transaction.atomic
def booking_approve(*, booking: Booking, actor: Any, reason: str = "") -> Booking:
    booking = quotas.booking_charge(booking=_perform(booking, "approve", actor=actor, reason=reason))
    booking_notifications.booking_notify(booking=booking, event="confirmed", actor=actor, reason=reason)
    return booking


@transaction.atomic
def booking_reject(*, booking: Booking, actor: Any, reason: str = "") -> Booking:
    booking = _perform(booking, "reject", actor=actor, reason=reason)
    claims.claims_release(booking=booking)
    booking_notifications.booking_notify(booking=booking, event="rejected", actor=actor, reason=reason)
    waitlist.waitlist_offer_next(
        resource=booking.resource,
        starts_at=booking.blocked_from,
        ends_at=booking.blocked_until,
        now=timezone.now(),
    )
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: Any, reason: str = "", now: datetime | None = None) -> Booking:
    """Cancel a pending or confirmed booking that has not ended; its time is free at once."""
    now = now or timezone.now()
    if booking.ends_at <= now:
        raise ValidationError(_("This booking has already ended."), code="booking_ended")

    def apply(locked: Booking) -> None:
        locked.cancelled_at = now
        locked.released_at = now

    booking = _perform(booking, "cancel", actor=actor, reason=reason, apply=apply)
    claims.claims_release(booking=booking)
    booking_notifications.booking_notify(booking=booking, event="cancelled", actor=actor, reason=reason)
    quotas.booking_refund(booking=booking, now=now)
    waitlist.waitlist_offer_next(
        resource=booking.resource, starts_at=booking.blocked_from, ends_at=booking.blocked_until, now=now
    )
    return booking


@transaction.atomic
def booking_check_in(
    *, booking: Booking, actor: Any, via: str = CheckInVia.API, now: datetime | None = None
) -> Booking:
    """Check in from ``policy.check_in_opens_minutes`` before the start until the end."""
    now = now or timezone.now()
    opens = booking.starts_at - timedelta(minutes=booking.resource.policy.check_in_opens_minutes)
    if now < opens:
        raise ValidationError(
            _("Check-in opens at %(time)s.")
            % {"time": timezone.localtime(opens, booking.resource.tzinfo).strftime("%H:%M")},
            code="check_in_not_open",
        )
    if now >= booking.ends_at:
        raise ValidationError(_("This booking has already ended."), code="booking_ended")

    def apply(locked: Booking) -> None:
        locked.checked_in_at = now
        locked.checked_in_via = via

    return _perform(booking, "check_in", actor=actor, apply=apply, data={"via": via})


@transaction.atomic
def booking_complete(*, booking: Booking, actor: Any = None) -> Booking:
    return _perform(booking, "complete", actor=actor)


@transaction.atomic
def booking_mark_no_show(*, booking: Booking, actor: Any = None, now: datetime | None = None) -> Booking:
    """Release an unclaimed booking: the rest of its time is free again."""
    now = now or timezone.now()

    def apply(locked: Booking) -> None:
        locked.released_at = now

    booking = _perform(booking, "mark_no_show", actor=actor, apply=apply)
    claims.claims_release(booking=booking)
    booking_notifications.booking_notify(booking=booking, event="no_show", actor=actor)
    waitlist.waitlist_offer_next(
        resource=booking.resource, starts_at=booking.blocked_from, ends_at=booking.blocked_until, now=now
    )
    return booking


__all__ = [
    "BOOKING_WORKFLOW",
    "HOLDING_STATUSES",
    "booking_approve",
    "booking_cancel",
    "booking_check_in",
    "booking_company",
    "booking_complete",
    "booking_create",
    "booking_create_from_pool",
    "booking_mark_no_show",
    "booking_reject",
]
