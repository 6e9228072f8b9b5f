"""The day view of a building: its active resources (rows, by floor) × the day's hours (columns), in the
campus's local time. Each booking is a block; closed times (outside opening hours, public holidays) are
shaded, and time a resource is held by a booking of something it is part of (a desk while its whole
area is booked) is hatched.

It reads a fixed number of queries whatever the number of resources and bookings: the buildings for
the chooser, the resources (with their floors and policies), the policies' opening hours, the
day's bookings, the day's claims and the calendar overrides.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingClaim, BookingStatus, Resource
from bookings.services.rules import opening_intervals
from core.calendar import working_calendar
from spaces.models import Building, Floor

TEMPLATE = "admin/bookings/day_view.html"
CELL_MINUTES = 30
DAY_FROM, DAY_UNTIL = 7 * 60, 22 * 60  # the hours always shown (minutes after local midnight)
HIDDEN_STATUSES = (BookingStatus.CANCELLED, BookingStatus.REJECTED)


@dataclass
class Segment:
    """Something drawn along a row, placed in percent of the row's width."""

    left: float
    width: float
    label: str = ""
    detail: str = ""
    css: str = ""
    url: str = ""


@dataclass
class Row:
    resource: Resource
    closed: list[Segment] = field(default_factory=list)
    held: list[Segment] = field(default_factory=list)
    bookings: list[Segment] = field(default_factory=list)


@dataclass
class FloorRows:
    floor: Floor
    rows: list[Row]


def _minutes(moment: datetime, *, midnight: datetime) -> int:
    """Minutes after the local midnight, clipped to the day (0 … 1440)."""
    return max(0, min(24 * 60, int((moment - midnight).total_seconds() // 60)))


def _parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _building(buildings: list[Building], value: str | None) -> Building | None:
    for building in buildings:
        if str(building.pk) == value:
            return building
    return buildings[0] if buildings else None


def day_grid(*, building: Building, day: date, site_name: str) -> dict[str, Any]:
    """The rows, hour columns and segments of ``building`` on the local date ``day``."""
    tz: ZoneInfo = building.campus.tzinfo
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    resources = list(
        Resource.objects.active()
        .filter(location__floor__building=building)
        .select_related("location__floor", "policy")
        .prefetch_related("policy__opening_hours")
        .order_by("location__floor__number", "location__code", "pk")
    )
    bookings = list(
        Booking.objects.filter(
            resource__is_active=True,
            resource__location__floor__building=building,
            starts_at__lt=next_midnight,
            ends_at__gt=midnight,
        )
        .exclude(status__in=HIDDEN_STATUSES)
        .select_related("company")
        .order_by("starts_at", "pk")
    )
    held = list(
        BookingClaim.objects.filter(
            unit__is_active=True,
            unit__location__floor__building=building,
            starts_at__lt=next_midnight,
            ends_at__gt=midnight,
        )
        .exclude(booking__resource_id=F("unit_id"))
        .values_list("unit_id", "starts_at", "ends_at")
    )

    window_from, window_until = DAY_FROM, DAY_UNTIL
    for booking in bookings:
        window_from = min(window_from, _minutes(booking.starts_at, midnight=midnight) // 60 * 60)
        window_until = max(window_until, -(-_minutes(booking.ends_at, midnight=midnight) // 60) * 60)
    span = window_until - window_from

    def place(start: int, end: int) -> tuple[float, float] | None:
        start, end = max(start, window_from), min(end, window_until)
        if end <= start:
            return None
        return (start - window_from) * 100 / span, (end - start) * 100 / span

    calendar = working_calendar()
    open_by_policy: dict[int, list[tuple[int, int]]] = {}
    rows: dict[int, Row] = {}
    for resource in resources:
        policy = resource.policy
        if policy.pk not in open_by_policy:
            intervals = opening_intervals(
                policy=policy, day=day, tz=tz, hours=list(policy.opening_hours.all()), calendar=calendar
            )
            open_by_policy[policy.pk] = [
                (_minutes(a, midnight=midnight), _minutes(b, midnight=midnight)) for a, b in intervals
            ]
        row = Row(resource=resource)
        cursor = window_from
        for opens, closes in [*open_by_policy[policy.pk], (window_until, window_until)]:
            if (spot := place(cursor, opens)) is not None:
                row.closed.append(Segment(*spot, css="closed"))
            cursor = max(cursor, closes)
        rows[resource.pk] = row

    status_labels = dict(BookingStatus.choices)
    for booking in bookings:
        row = rows.get(booking.resource_id)
        spot = place(
            _minutes(booking.starts_at, midnight=midnight), _minutes(booking.ends_at, midnight=midnight)
        )
        if row is None or spot is None:
            continue
        local_from, local_until = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
        company = booking.company.name if booking.company else _("The park")
        row.bookings.append(
            Segment(
                *spot,
                label=booking.title or company,
                detail=f"{local_from:%H:%M}–{local_until:%H:%M} · {company} · {status_labels[booking.status]}",  # noqa: E501
                css=f"booking status-{booking.status}",
                url=reverse(f"{site_name}:bookings_booking_change", args=[booking.pk]),
            )
        )
    for unit_id, starts_at, ends_at in held:
        row = rows.get(unit_id)
        spot = place(_minutes(starts_at, midnight=midnight), _minutes(ends_at, midnight=midnight))
        if row is not None and spot is not None:
            row.held.append(Segment(*spot, css="held", detail=_("Held by a booking of the space around it")))

    floors = [
        FloorRows(floor=floor, rows=[rows[r.pk] for r in group])
        for floor, group in groupby(resources, key=lambda r: r.location.floor)
    ]
    cells = [
        {"label": f"{m // 60:02d}:{m % 60:02d}", "hour": m % 60 == 0}
        for m in range(window_from, window_until, CELL_MINUTES)
    ]
    return {
        "floors": floors,
        "cells": cells,
        "booking_count": len(bookings),
        "is_holiday": calendar.is_holiday(day),
        "holiday_name": calendar.holiday_name(day),
        "time_zone": str(tz),
    }


def day_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    buildings = list(
        Building.objects.filter(
            pk__in=Resource.objects.active().values("location__floor__building")
        ).select_related("campus")
    )
    building = _building(buildings, request.GET.get("building"))
    today = timezone.localdate(timezone=building.campus.tzinfo) if building else timezone.localdate()
    day = _parse_date(request.GET.get("date"), today)
    url = reverse(f"{model_admin.admin_site.name}:bookings_booking_day")
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Day view"),
        "buildings": buildings,
        "building": building,
        "day": day,
        "today": today,
        "changelist_url": reverse(f"{model_admin.admin_site.name}:bookings_booking_changelist"),
    }
    if building is not None:
        for key, other in (("prev_url", day - timedelta(days=1)), ("next_url", day + timedelta(days=1))):
            context[key] = f"{url}?building={building.pk}&date={other.isoformat()}"
        context.update(day_grid(building=building, day=day, site_name=model_admin.admin_site.name))
    return TemplateResponse(request, TEMPLATE, context)
