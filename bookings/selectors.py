"""Reads that answer "what is free": free resources for a time range, and a resource's free slots of a day.

Both run a constant number of queries whatever the number of resources or bookings.

``resource_availability``:

1. the candidates: active resources matching the filters, campus, location and policy
   joined (one query), their policies' opening hours prefetched (one more);
2. the busy units: the claims that meet the window widened by the largest buffer
   among the candidates (one query; on PostgreSQL it filters on the claims' time range,
   so it runs on the GiST index ``bookings_claim_span_gist``);
3. in Python, a candidate is busy if a claim on itself or on a resource inside it (its
   footprint, as ``claims.footprint_ids`` has it: busy resources are the claimed units
   plus their parents) meets [starts_at - its buffer before, ends_at + its buffer after);
   free = candidates minus busy, then (optionally) open for the whole range by the
   prefetched opening hours and one working calendar.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Prefetch, Q, QuerySet, Value

from bookings.models import Audience, BookingClaim, BookingPolicy, OpeningHours, Resource
from bookings.services.rules import CURRENT_TENANCY, opening_intervals
from core.calendar import WorkingCalendar, working_calendar
from core.db import TsTzRange
from tenants.models import Membership, Tenancy

# Claims on a unit, as (unit id, the unit's parent id, starts_at, ends_at).
ClaimRow = tuple[int, int | None, datetime, datetime]


def claims_meeting(*, starts_at: datetime, ends_at: datetime) -> QuerySet[BookingClaim]:
    """Claims whose half-open [starts_at, ends_at) meets the given half-open range.

    On PostgreSQL the test is written on ``tstzrange(starts_at, ends_at, '[)')`` so the
    planner can use the GiST index on that expression; a plain pair of comparisons
    could only scan a b-tree from one end.
    """
    claims = BookingClaim.objects.all()
    if connection.vendor == "postgresql":
        return claims.annotate(span=TsTzRange("starts_at", "ends_at", Value("[)"))).filter(
            span__overlap=DateTimeTZRange(starts_at, ends_at, "[)")
        )
    return claims.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


def _candidates(
    *,
    campus: Any,
    building: Any,
    floor: Any,
    kinds: Iterable[str] | None,
    capacity_min: int | None,
    features: Iterable[str] | None,
) -> QuerySet[Resource]:
    qs = Resource.objects.active().select_related("campus", "location__floor", "policy")
    if campus is not None:
        qs = qs.filter(campus=campus)
    if building is not None:
        qs = qs.filter(location__floor__building=building)
    if floor is not None:
        qs = qs.filter(location__floor=floor)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    if capacity_min is not None:
        qs = qs.filter(capacity__gte=capacity_min)
    for code in sorted({c for c in features or () if c}):
        qs = qs.filter(location__features__code=code)
    return qs


def _hours_prefetch() -> Prefetch:
    return Prefetch("policy__opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))


def _is_open(
    resource: Resource, starts_at: datetime, ends_at: datetime, calendar: WorkingCalendar, cache: dict
) -> bool:
    """``rules.check_open`` on prefetched rows: inside one opening interval of its local day."""
    policy = resource.policy
    if policy.is_24x7:
        return True
    tz = resource.tzinfo
    day = starts_at.astimezone(tz).date()
    key = (policy.pk, str(tz), day)
    if key not in cache:
        cache[key] = opening_intervals(
            policy=policy, day=day, tz=tz, hours=list(policy.opening_hours.all()), calendar=calendar
        )
    return any(opens <= starts_at and ends_at <= closes for opens, closes in cache[key])


def _bookable_by(user: Any, resources: list[Resource], starts_at: datetime) -> list[Resource]:
    """Keep the resources whose policy's audience admits one of ``user``'s companies (two queries).

    The same rule as ``rules.check_audience``, on the local date of ``starts_at``.
    """
    if user.is_staff:
        return resources
    company_ids = {
        m.company_id
        for m in Membership.objects.filter(user=user, is_active=True).select_related("company")
        if m.company.is_active
    }
    day_min = (starts_at - timedelta(days=1)).date()
    day_max = (starts_at + timedelta(days=1)).date()
    tenancies = list(
        Tenancy.objects.filter(
            company_id__in=company_ids,
            status__in=CURRENT_TENANCY,
            starts_on__lte=day_max,
            ends_on__gt=day_min,
        ).values_list("company_id", "agreement__kind", "starts_on", "ends_on")
    )
    policy_ids = {r.policy_id for r in resources if r.policy.audience == Audience.COMPANIES}
    admitted: set[tuple[int, int]] = set()
    if policy_ids and company_ids:
        through = BookingPolicy.companies.through
        admitted = set(
            through.objects.filter(bookingpolicy_id__in=policy_ids, company_id__in=company_ids).values_list(
                "bookingpolicy_id", "company_id"
            )
        )
    kept = []
    for resource in resources:
        policy = resource.policy
        on = starts_at.astimezone(resource.tzinfo).date()
        current = [t for t in tenancies if t[2] <= on < t[3]]
        if policy.audience == Audience.STAFF or not company_ids:
            continue
        if policy.audience == Audience.COMPANIES:
            ok = any((policy.pk, c) in admitted for c in company_ids)
        elif policy.audience == Audience.PLANS:
            ok = any(kind in policy.plans for _, kind, _, _ in current)
        else:
            ok = bool(current)
        if ok:
            kept.append(resource)
    return kept


def resource_availability(
    *,
    starts_at: datetime,
    ends_at: datetime,
    campus: Any = None,
    building: Any = None,
    floor: Any = None,
    kinds: Iterable[str] | None = None,
    capacity_min: int | None = None,
    features: Iterable[str] | None = None,
    user: Any = None,
    require_open: bool = True,
    calendar: WorkingCalendar | None = None,
) -> list[Resource]:
    """The active resources free for the whole half-open [starts_at, ends_at), in their default order.

    Free means a booking of the resource for that range would not meet a claim, buffers
    included (claims of linked resources too). With ``require_open`` the resource must
    also be open for the whole range (opening hours and holidays in its campus's zone).
    With ``user`` (not staff) only resources whose policy admits one of the user's
    companies are listed. Lead time, horizon and duration limits are not applied: the
    search answers "what is free", ``booking_create`` says whether it may be booked.
    """
    candidates = _candidates(
        campus=campus,
        building=building,
        floor=floor,
        kinds=kinds,
        capacity_min=capacity_min,
        features=features,
    )
    if require_open:
        candidates = candidates.prefetch_related(_hours_prefetch())
    resources = list(candidates)
    if not resources:
        return []
    by_id = {r.pk: r for r in resources}
    widest_before = max(r.policy.buffer_before for r in resources)
    widest_after = max(r.policy.buffer_after for r in resources)
    rows: list[ClaimRow] = list(
        claims_meeting(starts_at=starts_at - widest_before, ends_at=ends_at + widest_after).values_list(
            "unit_id", "unit__parent_id", "starts_at", "ends_at"
        )
    )
    busy: set[int] = set()
    for unit_id, parent_id, claim_starts, claim_ends in rows:
        for rid in (unit_id, parent_id):
            resource = by_id.get(rid) if rid is not None else None
            if resource is None or rid in busy:
                continue
            policy = resource.policy
            if claim_starts < ends_at + policy.buffer_after and claim_ends > starts_at - policy.buffer_before:
                busy.add(rid)
    free = [r for r in resources if r.pk not in busy]
    if require_open:
        calendar = calendar or working_calendar()
        cache: dict = {}
        free = [r for r in free if _is_open(r, starts_at, ends_at, calendar, cache)]
    if user is not None:
        free = _bookable_by(user, free, starts_at)
    return free


@dataclass(frozen=True)
class FreeSlot:
    """A free half-open interval [starts_at, ends_at) of a resource (aware datetimes)."""

    starts_at: datetime
    ends_at: datetime


def _grid_floor(moment: datetime, day: date, tz: ZoneInfo, step: int, *, up: bool) -> datetime:
    """``moment`` moved onto the grid: multiples of ``step`` minutes past local midnight of ``day``."""
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    local = moment.astimezone(tz)
    minutes = (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute
    exact = local.second == 0 and local.microsecond == 0
    if up and not (exact and minutes % step == 0):
        minutes = (minutes // step + 1) * step
    else:
        minutes = (minutes // step) * step
    # Wall-clock arithmetic (aware datetime + timedelta keeps the tzinfo), as check_times reads the grid.
    return (midnight + timedelta(minutes=minutes)).astimezone(tz)


def resource_free_slots(
    *, resource: Resource, day: date, calendar: WorkingCalendar | None = None
) -> list[FreeSlot]:
    """The free intervals of ``day`` (a local date in the resource's campus) inside its opening hours.

    Merged (adjacent free time is one slot), on the policy's slot grid, and respecting
    buffers: a slot is free if a booking of exactly that slot would meet no claim on the
    resource or anything inside it. Intervals shorter than the policy's minimum
    duration are left out. Two queries (opening hours, claims), whatever the bookings.
    """
    policy = resource.policy
    tz = resource.tzinfo
    hours = None if policy.is_24x7 else list(policy.opening_hours.all())
    opened = opening_intervals(
        policy=policy, day=day, tz=tz, hours=hours, calendar=calendar or working_calendar()
    )
    if not opened:
        return []
    day_start, day_end = opened[0][0], max(closes for _, closes in opened)
    claims = (
        claims_meeting(starts_at=day_start - policy.buffer_before, ends_at=day_end + policy.buffer_after)
        .filter(Q(unit=resource) | Q(unit__parent=resource))
        .values_list("starts_at", "ends_at")
    )
    # A booking [s, e) holds [s - before, e + after): it meets claim [cs, ce) iff s < ce + before and
    # e > cs - after. So each claim blocks starts/ends within [cs - after, ce + before).
    blocked = sorted((cs - policy.buffer_after, ce + policy.buffer_before) for cs, ce in claims)
    step = policy.slot_minutes
    shortest = timedelta(minutes=policy.min_duration_minutes)
    slots: list[FreeSlot] = []
    for opens, closes in opened:
        cursor = opens
        pieces = []
        for b_start, b_end in blocked:
            if b_end <= cursor or b_start >= closes:
                continue
            if b_start > cursor:
                pieces.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < closes:
            pieces.append((cursor, closes))
        for free_start, free_end in pieces:
            start = _grid_floor(free_start, day, tz, step, up=True)
            end = _grid_floor(free_end, day, tz, step, up=False)
            if end - start < shortest or end <= start:
                continue
            if slots and slots[-1].ends_at == start:  # opening intervals that touch
                start = slots.pop().starts_at
            slots.append(FreeSlot(starts_at=start, ends_at=end))
    return slots


__all__ = ["FreeSlot", "claims_meeting", "resource_availability", "resource_free_slots"]
