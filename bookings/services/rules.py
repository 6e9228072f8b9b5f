"""The policy rules a booking must meet, checked in the campus's local time.

Each check raises ``ValidationError`` with a code a client can switch on and a message a
person can read; nothing here writes.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from bookings.models import Audience, BookingPolicy, OpeningHours, Resource
from core.calendar import WorkingCalendar, working_calendar
from core.db import placeholders
from tenants.models import Company, TenancyStatus

CURRENT_TENANCY = (TenancyStatus.ACTIVE, TenancyStatus.NOTICE_GIVEN, TenancyStatus.MOVING_OUT)
MIDNIGHT = time(0, 0)


def opening_intervals(
    *,
    policy: BookingPolicy,
    day: date,
    tz: ZoneInfo,
    hours: list[OpeningHours] | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[tuple[datetime, datetime]]:
    """The aware [opens, closes) intervals of ``day`` (a local date), earliest first.

    A 24×7 policy is open all day. Otherwise the resource is closed on public holidays,
    and on a make-up workday (a worked Saturday or Sunday) it keeps Monday's hours.
    """
    start_of_day = datetime.combine(day, MIDNIGHT, tzinfo=tz)
    end_of_day = datetime.combine(day + timedelta(days=1), MIDNIGHT, tzinfo=tz)
    if policy.is_24x7:
        return [(start_of_day, end_of_day)]
    calendar = calendar or working_calendar()
    if calendar.is_holiday(day):
        return []
    weekday = 0 if calendar.is_makeup_workday(day) else day.weekday()
    if hours is None:
        hours = list(policy.opening_hours.all())
    intervals = []
    for row in hours:
        if row.weekday != weekday:
            continue
        opens = datetime.combine(day, row.opens_at, tzinfo=tz)
        closes = end_of_day if row.closes_at == MIDNIGHT else datetime.combine(day, row.closes_at, tzinfo=tz)
        intervals.append((opens, closes))
    return sorted(intervals)


def check_times(
    *,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    is_staff: bool = False,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Duration, grid, lead time, horizon and opening hours. Staff skip lead time and horizon."""
    policy = resource.policy
    tz = resource.tzinfo
    if ends_at <= starts_at:
        raise ValidationError(_("A booking must end after it starts."), code="ends_before_start")
    if starts_at < now:
        raise ValidationError(_("This time has already begun."), code="in_past")
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes < policy.min_duration_minutes:
        raise ValidationError(
            _("Book at least %(n)d minutes.") % {"n": policy.min_duration_minutes}, code="too_short"
        )
    if minutes > policy.max_duration_minutes:
        raise ValidationError(
            _("Book at most %(n)d minutes.") % {"n": policy.max_duration_minutes}, code="too_long"
        )
    local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    for moment in (local_start, local_end):
        if moment.second or moment.microsecond or (moment.hour * 60 + moment.minute) % policy.slot_minutes:
            raise ValidationError(
                _("Start and end on a %(n)d-minute grid (local time).") % {"n": policy.slot_minutes},
                code="off_grid",
            )
    if not is_staff:
        if starts_at < now + timedelta(minutes=policy.lead_minutes):
            raise ValidationError(
                _("Book at least %(n)d minutes ahead.") % {"n": policy.lead_minutes}, code="lead_time"
            )
        if starts_at > now + timedelta(days=policy.horizon_days):
            raise ValidationError(
                _("Book at most %(n)d days ahead.") % {"n": policy.horizon_days}, code="beyond_horizon"
            )
    check_open(resource=resource, starts_at=starts_at, ends_at=ends_at, calendar=calendar)


def check_open(
    *,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    calendar: WorkingCalendar | None = None,
) -> None:
    """The booking lies inside one opening interval of its local day (24×7: any time)."""
    policy = resource.policy
    if policy.is_24x7:
        return
    tz = resource.tzinfo
    day = starts_at.astimezone(tz).date()
    calendar = calendar or working_calendar()
    intervals = opening_intervals(policy=policy, day=day, tz=tz, calendar=calendar)
    if not intervals and calendar.is_holiday(day):
        raise ValidationError(
            _("%(resource)s is closed on %(day)s (public holiday).") % {"resource": resource, "day": day},
            code="closed_holiday",
        )
    if not any(opens <= starts_at and ends_at <= closes for opens, closes in intervals):
        raise ValidationError(
            _("%(resource)s is not open for the whole of that time.") % {"resource": resource},
            code="outside_opening_hours",
        )


def check_capacity(*, resource: Resource, attendees: int) -> None:
    if attendees > resource.capacity:
        raise ValidationError(
            _("%(resource)s holds %(n)d people.") % {"resource": resource, "n": resource.capacity},
            code="over_capacity",
        )


# Whether a company holds a tenancy current on a day (of given plans, for a PLANS audience): constant
# statements on the tables the models name. Every booking asks; the ORM spent more time composing
# the question than the database spent answering it.
_CURRENT_TENANCY_SQL = f"""
    SELECT 1 FROM tenants_tenancy t
    WHERE t.company_id = %s AND t.status IN ({placeholders(len(CURRENT_TENANCY))})
      AND t.starts_on <= %s AND t.ends_on > %s
"""  # noqa: S608 (placeholders only)
_OF_PLANS_SQL = "AND t.agreement_id IN (SELECT ag.id FROM tenants_agreement ag WHERE ag.kind IN ({}))"


def has_current_tenancy(*, company: Company, on: date, plans: list[str] | None = None) -> bool:
    """Whether ``company`` holds a tenancy current on ``on`` (of one of ``plans``, when given)."""
    day = connection.ops.adapt_datefield_value(on)
    sql, params = _CURRENT_TENANCY_SQL, [company.pk, *CURRENT_TENANCY, day, day]
    if plans is not None:
        if not plans:
            return False
        sql += _OF_PLANS_SQL.format(placeholders(len(plans)))
        params += plans
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 1", params)
        return cursor.fetchone() is not None


def check_audience(*, resource: Resource, company: Company | None, is_staff: bool, on: date) -> None:
    """Who may book: staff always; otherwise the policy's audience decides, by the company's tenancies."""
    if is_staff:
        return
    policy = resource.policy
    refused = ValidationError(
        _("Your company may not book %(resource)s.") % {"resource": resource}, code="not_allowed_to_book"
    )
    if policy.audience == Audience.STAFF or company is None:
        raise refused
    if not company.is_active:
        raise ValidationError(_("Your company's account is not active."), code="company_inactive")
    if policy.audience == Audience.COMPANIES:
        if not policy.companies.filter(pk=company.pk).exists():
            raise refused
        return
    plans = list(policy.plans) if policy.audience == Audience.PLANS else None
    if not has_current_tenancy(company=company, on=on, plans=plans):
        raise refused
