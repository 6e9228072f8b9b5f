"""Grant schedules as UTC windows: 24×7, or business hours on the China working-day calendar."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings

from access_control.models import GrantSchedule
from core.calendar import WorkingCalendar

Window = tuple[datetime, datetime]


def campus_zone(time_zone: str | None) -> tzinfo:
    return ZoneInfo(time_zone or settings.CAMPUS_DEFAULT_TIME_ZONE)


def business_hours() -> tuple[time, time]:
    opens, closes = getattr(settings, "ACCESS_BUSINESS_HOURS", ("08:00", "20:00"))
    return time.fromisoformat(opens), time.fromisoformat(closes)


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with overlapping or touching windows joined."""
    out: list[Window] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: list[Window], b: list[Window]) -> list[Window]:
    """The parts common to two merged window lists."""
    out: list[Window] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def schedule_windows(
    *,
    schedule: str,
    starts_at: datetime,
    ends_at: datetime | None,
    range_start: datetime,
    range_end: datetime,
    tz: tzinfo,
    calendar: WorkingCalendar,
) -> list[Window]:
    """The UTC windows in [range_start, range_end) when a grant of this schedule and span is valid."""
    start = max(starts_at, range_start)
    end = min(ends_at, range_end) if ends_at is not None else range_end
    if start >= end:
        return []
    if schedule != GrantSchedule.BUSINESS_HOURS:
        return [(start, end)]
    opens, closes = business_hours()
    out: list[Window] = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            w_start = datetime.combine(day, opens, tzinfo=tz).astimezone(UTC)
            w_end = datetime.combine(day, closes, tzinfo=tz).astimezone(UTC)
            w_start, w_end = max(w_start, start), min(w_end, end)
            if w_start < w_end:
                out.append((w_start, w_end))
        day += timedelta(days=1)
    return out


def schedule_contains(
    *,
    schedule: str,
    starts_at: datetime,
    ends_at: datetime | None,
    at: datetime,
    tz: tzinfo,
    calendar: WorkingCalendar,
) -> bool:
    """Whether ``at`` falls inside the grant's span and schedule (half-open at both ends)."""
    if at < starts_at or (ends_at is not None and at >= ends_at):
        return False
    if schedule != GrantSchedule.BUSINESS_HOURS:
        return True
    local = at.astimezone(tz)
    opens, closes = business_hours()
    return calendar.is_working_day(local.date()) and opens <= local.time() < closes


def zulu(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
