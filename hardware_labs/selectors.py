"""Reads for the labs API and admin that are more than one QuerySet call: utilisation, and which
lab doors a qualification opens."""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from bookings.models import Booking, BookingStatus, OpeningHours, Resource, ResourceKind
from bookings.services.rules import opening_intervals
from core.calendar import WorkingCalendar, working_calendar
from hardware_labs.models import MaintenanceWindow, Qualification, UsageSession
from spaces.models import Space, SpaceKind
from tenants.models import Company

# Bookings that held their time (a no-show held it until released; it counts as booked).
BOOKED_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.CHECKED_IN,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
Span = tuple[datetime, datetime]


def qualification_lab_ids(*, qualification: Qualification) -> list[int] | None:
    """The labs whose doors a qualification opens: an induction's lab, every lab (None) for a
    park-wide induction, no lab ([]) for an equipment training."""
    course = qualification.course
    if not course.is_lab_induction:
        return []
    return None if course.lab_id is None else [course.lab_id]


# --- utilisation ----------------------------------------------------------------------------------


@dataclass
class UtilisationRow:
    """One resource (a lab or a piece of equipment) in one month; ``company`` None: all companies."""

    resource: int
    name: str
    kind: str
    lab: int
    equipment: int | None
    month: str
    company: int | None
    company_name: str
    available_hours: Decimal
    booked_hours: Decimal = Decimal("0")
    used_hours: Decimal = Decimal("0")
    no_shows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Tally:
    booked: timedelta = field(default_factory=timedelta)
    used: timedelta = field(default_factory=timedelta)
    no_shows: int = 0


def _hours(delta: timedelta) -> Decimal:
    return (Decimal(int(delta.total_seconds())) / Decimal(3600)).quantize(Decimal("0.01"))


def _clip(span: Span, bounds: Span) -> timedelta:
    start, end = max(span[0], bounds[0]), min(span[1], bounds[1])
    return end - start if end > start else timedelta(0)


def _month_bounds(month: date, tz: ZoneInfo) -> Span:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, datetime.min.time(), tzinfo=tz), datetime.combine(
        nxt, datetime.min.time(), tzinfo=tz
    )


def _available(resource: Resource, bounds: Span, windows: list[Span], calendar: WorkingCalendar) -> timedelta:
    """Opening hours in the month, less the maintenance windows' overlap with them."""
    tz = resource.tzinfo
    policy = resource.policy
    hours = None if policy.is_24x7 else list(policy.opening_hours.all())
    total = timedelta(0)
    day = bounds[0].date()
    while day < bounds[1].date():
        for opens, closes in opening_intervals(policy=policy, day=day, tz=tz, hours=hours, calendar=calendar):
            total += closes - opens
            for window in windows:
                total -= _clip(window, (opens, closes))
        day += timedelta(days=1)
    return total


def lab_utilisation(
    *,
    month: date,
    lab: Space | None = None,
    company: Company | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[UtilisationRow]:
    """Per lab and piece of equipment in ``month``: available, booked and used hours and no-shows.

    Available: the policy's opening hours (holidays closed) less the equipment's maintenance
    windows. Booked: the time of its bookings that held it (confirmed, checked in, completed,
    no-show), clipped to the month. Used: checked-out usage sessions, clipped to the month.
    No-shows: bookings starting in the month released as no-shows. Each resource has a row for
    all companies (``company`` None) and one per company with bookings or use; with ``company``
    only that company's rows. A fixed number of queries, whatever the number of rows.
    """
    calendar = calendar or working_calendar()
    resources_qs: QuerySet[Resource] = (
        Resource.objects.filter(
            Q(kind=ResourceKind.LAB) | Q(kind=ResourceKind.EQUIPMENT), location__kind=SpaceKind.LAB
        )
        .select_related("campus", "policy", "equipment")
        .prefetch_related(
            Prefetch("policy__opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))
        )
        .order_by("location_id", "kind", "name", "pk")
    )
    if lab is not None:
        resources_qs = resources_qs.filter(location=lab)
    resources = list(resources_qs)
    if not resources:
        return []
    # one query each, over the widest month (zones differ by campus; clipped per resource below)
    bounds_of = {r.pk: _month_bounds(month, r.tzinfo) for r in resources}
    earliest = min(b[0] for b in bounds_of.values())
    latest = max(b[1] for b in bounds_of.values())
    ids = list(bounds_of)
    windows: dict[int, list[Span]] = defaultdict(list)
    for resource_id, starts_at, ends_at in MaintenanceWindow.objects.filter(
        equipment__resource_id__in=ids, cancelled_at__isnull=True, starts_at__lt=latest, ends_at__gt=earliest
    ).values_list("equipment__resource_id", "starts_at", "ends_at"):
        windows[resource_id].append((starts_at, ends_at))
    tallies: dict[tuple[int, int | None], _Tally] = defaultdict(_Tally)
    bookings = Booking.objects.filter(
        resource_id__in=ids, status__in=BOOKED_STATUSES, starts_at__lt=latest, ends_at__gt=earliest
    )
    sessions = UsageSession.objects.filter(
        equipment__resource_id__in=ids,
        checked_out_at__isnull=False,
        checked_in_at__lt=latest,
        checked_out_at__gt=earliest,
    )
    if company is not None:
        bookings = bookings.filter(company=company)
        sessions = sessions.filter(company=company)
    for resource_id, company_id, starts_at, ends_at, status in bookings.values_list(
        "resource_id", "company_id", "starts_at", "ends_at", "status"
    ):
        bounds = bounds_of[resource_id]
        booked = _clip((starts_at, ends_at), bounds)
        is_no_show = status == BookingStatus.NO_SHOW and bounds[0] <= starts_at < bounds[1]
        for key in ((resource_id, None), (resource_id, company_id)):
            tallies[key].booked += booked
            tallies[key].no_shows += int(is_no_show)
    for resource_id, company_id, starts_at, ends_at in sessions.values_list(
        "equipment__resource_id", "company_id", "checked_in_at", "checked_out_at"
    ):
        used = _clip((starts_at, ends_at), bounds_of[resource_id])
        for key in ((resource_id, None), (resource_id, company_id)):
            tallies[key].used += used
    company_ids = {c for (_r, c) in tallies if c is not None}
    names = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name")) if company_ids else {}
    label = f"{month:%Y-%m}"
    rows: list[UtilisationRow] = []
    for resource in resources:
        available = _hours(_available(resource, bounds_of[resource.pk], windows[resource.pk], calendar))
        equipment = getattr(resource, "equipment", None) if resource.kind == ResourceKind.EQUIPMENT else None
        keys = [(resource.pk, None)] if company is None else []
        keys += sorted(
            (k for k in tallies if k[0] == resource.pk and k[1] is not None),
            key=lambda k: names.get(k[1], ""),
        )
        if company is not None and not keys:
            keys = [(resource.pk, company.pk)]
            names.setdefault(company.pk, company.name)
        for key in keys:
            tally = tallies.get(key, _Tally())
            rows.append(
                UtilisationRow(
                    resource=resource.pk,
                    name=resource.name,
                    kind=resource.kind,
                    lab=resource.location_id,
                    equipment=equipment.pk if equipment is not None else None,
                    month=label,
                    company=key[1],
                    company_name=names.get(key[1], "") if key[1] is not None else "",
                    available_hours=available,
                    booked_hours=_hours(tally.booked),
                    used_hours=_hours(tally.used),
                    no_shows=tally.no_shows,
                )
            )
    return rows
