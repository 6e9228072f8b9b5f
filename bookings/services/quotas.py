"""Credits: charge a company's monthly allowance when a booking is confirmed, refund on a timely cancel.

The allowance rules are in ``bookings.models.quotas``. A charge locks the company's row, so
two bookings of one company are charged one after the other and can never overspend; a
refused charge raises ``quota_exhausted`` inside the booking's transaction, which then
writes nothing. Park bookings (no company) are not metered.

Refunds: a booking cancelled at least ``policy.cancel_cutoff_minutes`` before its start
gets its charge back as a refund row; cancelled later, nothing is written (the charge row
stays and is the record). No-shows and completed bookings keep their charge; rejected
bookings were pending and never charged.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from bookings.models import Booking, CreditAllowance, CreditEntry, CreditReason, Resource
from bookings.services.rules import CURRENT_TENANCY
from core.db import placeholders
from tenants.models import Company

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def month_of(moment: datetime, resource: Resource) -> date:
    """The first day of the month ``moment`` falls in, in the resource's campus time."""
    return moment.astimezone(resource.tzinfo).date().replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def booking_cost(booking: Booking) -> Decimal:
    """Hours × the policy's credits per hour, to the cent."""
    hours = Decimal((booking.ends_at - booking.starts_at).total_seconds()) / Decimal(3600)
    return (hours * booking.resource.policy.credits_per_hour).quantize(CENT, rounding=ROUND_HALF_UP)


# A constant statement (bound parameters only) on the tables the models name: the company's
# overrides and the allowances of the plans (agreement kinds) of its tenancies current in a month.
# It runs on every charge; the ORM spent more time composing the same query than the database
# spent answering it.
ALLOWANCES_SQL = f"""
    SELECT a.company_id, a.resource_kind, a.credits_per_month
    FROM bookings_creditallowance a
    WHERE a.company_id = %s
       OR (a.company_id IS NULL AND a.plan IN (
           SELECT ag.kind FROM tenants_tenancy t JOIN tenants_agreement ag ON ag.id = t.agreement_id
           WHERE t.company_id = %s AND t.status IN ({placeholders(len(CURRENT_TENANCY))})
             AND t.starts_on < %s AND t.ends_on > %s))
"""  # noqa: S608 (placeholders only)


def company_allowances(*, company: Company, month: date) -> dict[str, Decimal]:
    """The allowance per metered resource kind: the company's override, else the largest of its
    current plans' allowances (tenancies current in ``month``). Kinds not in the dict are not metered.
    One query."""
    amount = CreditAllowance._meta.get_field("credits_per_month")
    with connection.cursor() as cursor:
        cursor.execute(
            ALLOWANCES_SQL,
            [
                company.pk,
                company.pk,
                *CURRENT_TENANCY,
                connection.ops.adapt_datefield_value(next_month(month)),
                connection.ops.adapt_datefield_value(month),
            ],
        )
        rows = cursor.fetchall()
    from_plans: dict[str, Decimal] = {}
    overrides: dict[str, Decimal] = {}
    for override_of, kind, stored in rows:
        # SQLite hands back an int or a float, PostgreSQL a Decimal: cents either way.
        credits = amount.to_python(stored).quantize(CENT)
        if override_of is None:
            from_plans[kind] = max(credits, from_plans.get(kind, credits))
        else:
            overrides[kind] = credits
    return {**from_plans, **overrides}


def credits_used(*, company: Company, month: date) -> dict[str, Decimal]:
    """Net credits used per resource kind in ``month`` (charges less refunds)."""
    rows = (
        CreditEntry.objects.filter(company=company, month=month)
        .values("resource_kind")
        .annotate(used=Sum("amount"))
        .order_by("resource_kind")
    )
    return {row["resource_kind"]: row["used"] for row in rows}


def booking_charge(*, booking: Booking) -> Booking:
    """Charge a booking that has just been confirmed against its company's monthly allowance.

    Raises ``quota_exhausted`` (nothing written) when the month's usage plus the cost would
    exceed the allowance. Sets ``booking.credits``; unmetered kinds and park bookings cost 0.
    """
    if booking.company_id is None:
        return booking
    cost = booking_cost(booking)
    if cost <= 0:
        return booking
    resource = booking.resource
    month = month_of(booking.starts_at, resource)
    allowance = company_allowances(company=booking.company, month=month).get(resource.kind)
    if allowance is None:
        return booking
    return _charge(booking=booking, cost=cost, allowance=allowance, month=month)


@transaction.atomic
def _charge(*, booking: Booking, cost: Decimal, allowance: Decimal, month: date) -> Booking:
    resource = booking.resource
    # Serialise the company's charges: the next one reads the usage after this one commits.
    company = Company.objects.select_for_update().get(pk=booking.company_id)
    used = credits_used(company=company, month=month).get(resource.kind, ZERO)
    if used + cost > allowance:
        raise ValidationError(
            _(
                "Your company's %(kind)s credits for %(month)s are used up: %(remaining)s left, "
                "this booking needs %(needed)s."
            )
            % {
                "kind": resource.get_kind_display(),
                "month": month.strftime("%Y-%m"),
                "remaining": max(allowance - used, ZERO),
                "needed": cost,
            },
            code="quota_exhausted",
        )
    CreditEntry.objects.create(
        company=company,
        resource_kind=resource.kind,
        month=month,
        amount=cost,
        booking=booking,
        reason=CreditReason.CHARGE,
    )
    booking.credits = cost
    Booking.objects.filter(pk=booking.pk).update(credits=cost)
    return booking


@transaction.atomic
def booking_refund(*, booking: Booking, now: datetime) -> CreditEntry | None:
    """Give a cancelled booking's charge back if it was cancelled at least the policy's cut-off
    before its start. Returns the refund row, or None (nothing charged, or too late: nothing written)."""
    charge = CreditEntry.objects.filter(booking=booking, reason=CreditReason.CHARGE).first()
    if charge is None or charge.amount == 0:
        return None
    cutoff = booking.starts_at - timedelta(minutes=booking.resource.policy.cancel_cutoff_minutes)
    if now > cutoff:
        return None
    Company.objects.select_for_update().get(pk=charge.company_id)
    refund, _created = CreditEntry.objects.get_or_create(
        booking=booking,
        reason=CreditReason.REFUND,
        defaults={
            "company_id": charge.company_id,
            "resource_kind": charge.resource_kind,
            "month": charge.month,
            "amount": -charge.amount,
        },
    )
    return refund


@dataclass(frozen=True)
class CreditBalance:
    resource_kind: str
    allowance: Decimal | None  # None: not metered
    used: Decimal
    remaining: Decimal | None


__all__ = [
    "CreditBalance",
    "booking_charge",
    "booking_cost",
    "booking_refund",
    "company_allowances",
    "credits_used",
    "month_of",
    "next_month",
]
