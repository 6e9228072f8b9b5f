"""Reads that answer "what is free": free resources for a time range, and a resource's free slots of a day.

Both run a constant number of queries whatever the number of resources or bookings.

``resource_availability`` builds a QuerySet the caller reads (and can paginate in SQL):

1. when opening hours or the user's companies matter, the policies with their opening
   hours (two queries) and the campuses' zones (one): opening hours and who may book
   depend on the policy and the zone, not on the resource;
2. free = candidates minus busy, minus the (policy, zone) pairs closed then (opening
   hours and holidays, by one working calendar) or not open to the user's companies,
   in one statement: busy are the claimed units plus their parents (a resource's
   footprint is itself and the resources inside it, as ``claims.footprint_ids`` has it),
   from the claims that meet the window widened by the largest buffers (on PostgreSQL
   written on the claims' time range, so it runs on the GiST index
   ``bookings_claim_span_gist``) and then [starts_at - the resource's buffer before,
   ends_at + its buffer after). On PostgreSQL busy is a subquery of that statement;
   elsewhere the claims are read first and the buffers applied in Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from bookings.models import Audience, BookingClaim, BookingPolicy, OpeningHours, Resource
from bookings.services.rules import CURRENT_TENANCY, opening_intervals
from core.calendar import WorkingCalendar, working_calendar
from spaces.models import Campus
from tenants.models import Membership, Tenancy

ZERO = timedelta(0)


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
    return Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))


def _is_open(
    policy: BookingPolicy, tz: ZoneInfo, starts_at: datetime, ends_at: datetime, calendar: WorkingCalendar
) -> bool:
    """``rules.check_open`` on prefetched rows: inside one opening interval of its local day."""
    if policy.is_24x7:
        return True
    intervals = opening_intervals(
        policy=policy,
        day=starts_at.astimezone(tz).date(),
        tz=tz,
        hours=list(policy.opening_hours.all()),
        calendar=calendar,
    )
    return any(opens <= starts_at and ends_at <= closes for opens, closes in intervals)


class _Audience:
    """Whether a policy admits one of ``user``'s companies, as ``rules.check_audience`` decides."""

    def __init__(self, *, user: Any, policies: Iterable[BookingPolicy], starts_at: datetime) -> None:
        self.company_ids = {
            m.company_id
            for m in Membership.objects.filter(user=user, is_active=True).select_related("company")
            if m.company.is_active
        }
        self.tenancies: list[tuple[int, str, date, date]] = list(
            Tenancy.objects.filter(
                company_id__in=self.company_ids,
                status__in=CURRENT_TENANCY,
                starts_on__lte=(starts_at + timedelta(days=1)).date(),
                ends_on__gt=(starts_at - timedelta(days=1)).date(),
            ).values_list("company_id", "agreement__kind", "starts_on", "ends_on")
        )
        named = [p.pk for p in policies if p.audience == Audience.COMPANIES]
        self.admitted: set[int] = set()
        if named and self.company_ids:
            through = BookingPolicy.companies.through
            self.admitted = set(
                through.objects.filter(
                    bookingpolicy_id__in=named, company_id__in=self.company_ids
                ).values_list("bookingpolicy_id", flat=True)
            )

    def admits(self, policy: BookingPolicy, on: date) -> bool:
        if policy.audience == Audience.STAFF or not self.company_ids:
            return False
        if policy.audience == Audience.COMPANIES:
            return policy.pk in self.admitted
        kinds = {kind for _, kind, starts_on, ends_on in self.tenancies if starts_on <= on < ends_on}
        if policy.audience == Audience.PLANS:
            return bool(kinds & set(policy.plans))
        return bool(kinds)


# The resources a claim meeting [starts_at, ends_at) holds, each with its own buffers: a claim
# holds its unit and the unit's parent (a resource's footprint is itself and the resources inside
# it, as ``claims.footprint_ids`` has it). The first range test, widened by the largest buffers,
# runs on the GiST index ``bookings_claim_span_gist``; the exact test per resource follows.
BUSY_SQL = """
SELECT held.id
FROM (
    SELECT make_interval(mins => max(buffer_before_minutes)) AS before,
           make_interval(mins => max(buffer_after_minutes)) AS after
    FROM bookings_bookingpolicy
) AS widest
CROSS JOIN bookings_bookingclaim AS claim
JOIN bookings_resource AS unit ON unit.id = claim.unit_id
CROSS JOIN LATERAL (VALUES (unit.id), (unit.parent_id)) AS held(id)
JOIN bookings_resource AS resource ON resource.id = held.id
JOIN bookings_bookingpolicy AS policy ON policy.id = resource.policy_id
WHERE tstzrange(claim.starts_at, claim.ends_at, '[)')
      && tstzrange(%s - widest.before, %s + widest.after, '[)')
  AND claim.starts_at < %s + make_interval(mins => policy.buffer_after_minutes)
  AND claim.ends_at > %s - make_interval(mins => policy.buffer_before_minutes)
"""


def _busy(policies: dict[int, BookingPolicy], starts_at: datetime, ends_at: datetime) -> set[int]:
    """``BUSY_SQL`` off PostgreSQL: one read of the claims meeting the widest window, each with its
    unit's and the unit's parent's policy; each resource's own buffers then decide."""
    widest = BookingClaim.objects.meeting(
        starts_at - max(p.buffer_before for p in policies.values()),
        ends_at + max(p.buffer_after for p in policies.values()),
    )
    busy: set[int] = set()
    for unit_id, unit_policy, parent_id, parent_policy, claim_start, claim_end in widest.values_list(
        "unit_id", "unit__policy_id", "unit__parent_id", "unit__parent__policy_id", "starts_at", "ends_at"
    ):
        for resource_id, policy_id in ((unit_id, unit_policy), (parent_id, parent_policy)):
            if resource_id is None or resource_id in busy:
                continue
            policy = policies.get(policy_id)
            before, after = (policy.buffer_before, policy.buffer_after) if policy else (ZERO, ZERO)
            if claim_start < ends_at + after and claim_end > starts_at - before:
                busy.add(resource_id)
    return busy


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
) -> QuerySet[Resource]:
    """The active resources free for the whole half-open [starts_at, ends_at), in their default order.

    Free means a booking of the resource for that range would not meet a claim, buffers
    included (claims of linked resources too). With ``require_open`` the resource must
    also be open for the whole range (opening hours and holidays in its campus's zone).
    With ``user`` (not staff) only resources whose policy admits one of the user's
    companies are listed. Lead time, horizon and duration limits are not applied: the
    search answers "what is free", ``booking_create`` says whether it may be booked.

    Returns an unevaluated QuerySet (campus, location and policy joined), so a caller
    can paginate it in SQL. On PostgreSQL free-busy is that one statement (the busy set is
    its subquery); opening hours and the user's companies add up to five queries to build it
    (elsewhere the claims are read first, one more), whatever the numbers of resources and
    bookings. Reading it is one query, two with a count.
    """
    candidates = _candidates(
        campus=campus,
        building=building,
        floor=floor,
        kinds=kinds,
        capacity_min=capacity_min,
        features=features,
    )
    # Opening hours and audience depend on the policy (and the campus's zone), not the resource.
    # Policies and campus zones are small reference tables: read them whole rather than scan the
    # candidates for the pairs in use (a (policy, zone) pair no resource has excludes nothing).
    # Free-busy alone needs neither: the busy set is then one subquery of the final statement.
    audience_matters = user is not None and not user.is_staff
    policies: dict[int, BookingPolicy] = {}
    if require_open or audience_matters or connection.vendor != "postgresql":
        policy_rows = BookingPolicy.objects.all()
        if require_open:
            policy_rows = policy_rows.prefetch_related(_hours_prefetch())
        policies = {p.pk: p for p in policy_rows}
        if not policies:
            return candidates.none()
    zones: set[str] = set()
    if require_open or audience_matters:
        zones = set(Campus.objects.order_by().values_list("time_zone", flat=True).distinct())
    pairs = {(policy_id, zone) for policy_id in policies for zone in zones}
    if connection.vendor == "postgresql":
        busy = RawSQL(BUSY_SQL, (starts_at, ends_at, ends_at, starts_at))  # noqa: S611 (constant SQL, bound params)
        free = candidates.exclude(pk__in=busy)
    else:
        free = candidates.exclude(pk__in=sorted(_busy(policies, starts_at, ends_at)))
    refused = Q(pk__in=[])
    calendar = (calendar or working_calendar()) if require_open else None
    audience = None
    if audience_matters:
        audience = _Audience(user=user, policies=policies.values(), starts_at=starts_at)
    for policy_id, time_zone in pairs:
        policy, tz = policies[policy_id], ZoneInfo(time_zone)
        if (calendar is not None and not _is_open(policy, tz, starts_at, ends_at, calendar)) or (
            audience is not None and not audience.admits(policy, starts_at.astimezone(tz).date())
        ):
            refused |= Q(policy_id=policy_id, campus__time_zone=time_zone)
    return free.exclude(refused) if pairs else free


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
        BookingClaim.objects.meeting(day_start - policy.buffer_before, day_end + policy.buffer_after)
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


__all__ = [
    "FreeSlot",
    "resource_availability",
    "resource_free_slots",
]
