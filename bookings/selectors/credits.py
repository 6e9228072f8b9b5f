"""Credit balances: a company's monthly allowance, use and remainder per resource kind."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from bookings.services.quotas import ZERO, CreditBalance, company_allowances, credits_used
from tenants.models import Company


def current_month(now: datetime | None = None) -> date:
    """The first day of the month of ``now`` in the park's zone."""
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(settings.CAMPUS_DEFAULT_TIME_ZONE)).date().replace(day=1)


def company_credit_balance(
    *, company: Company, month: date | None = None, now: datetime | None = None
) -> list[CreditBalance]:
    """Per resource kind, the month's allowance, credits used and what remains, by kind.

    Lists the metered kinds and any kind with ledger rows that month (an unmetered kind has
    ``allowance`` and ``remaining`` None). Without ``month``, the month of ``now`` in the
    park's zone. The plans counted are those of tenancies current in that month. Four
    queries whatever the number of rows.
    """
    month = (month or current_month(now)).replace(day=1)
    allowances = company_allowances(company=company, month=month)
    used = credits_used(company=company, month=month)
    return [
        CreditBalance(
            resource_kind=kind,
            allowance=allowances.get(kind),
            used=used.get(kind, ZERO),
            remaining=None if kind not in allowances else allowances[kind] - used.get(kind, ZERO),
        )
        for kind in sorted(set(allowances) | set(used))
    ]


__all__ = ["company_credit_balance", "current_month"]
