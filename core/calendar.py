"""The China working-day calendar: which dates are worked, and working-time arithmetic.

Sources, strongest first:

1. ``core.models.CalendarDay`` rows (staff overrides): ``holiday`` makes a date a day off,
   ``workday`` makes it a working day, whatever the package says.
2. The ``holidays`` package (``holidays.China``): public holidays, the weekdays given off
   in exchange for a worked weekend day ("Day off (substituted from …)"), and those worked
   weekend days (调休, ``weekend_workdays``).
3. Saturday and Sunday are off; every other day is worked.

Working time is measured on the local wall clock of the zone passed in (``tz``, default
Asia/Shanghai): a working day is always 24 h and business hours 9:00-18:00 always 9 h,
whatever daylight saving time does. Datetimes in must be aware; datetimes out are aware
and in UTC. Adding working time returns the *earliest* instant at which that much working
time has elapsed, so ``working_seconds_between(start, add_working_seconds(start, s)) == s``
and an SLA clock can be paused and resumed with the remaining budget::

    cal = working_calendar()
    budget = 5 * DAY_SECONDS
    used = cal.working_seconds_between(started_at, paused_at)
    due_at = cal.add_working_seconds(resumed_at, budget - used)

Use ``working_calendar()`` to get an instance. It reads the override table lazily, once
(one query on first use, none on construction or import); use a fresh instance per
request or task so staff edits are seen.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from core.models import CalendarDay, CalendarDayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_SECONDS = 24 * 60 * 60

# No real calendar has a longer run of days off; more means the overrides are wrong.
_MAX_DAYS_OFF_IN_A_ROW = 366
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class _PackageYear:
    """What ``holidays.China`` says about one calendar year."""

    holidays: dict[date, str]
    holidays_zh: dict[date, str]
    makeup_workdays: frozenset[date]


@dataclass(frozen=True, slots=True)
class _Override:
    is_workday: bool
    name: str
    name_zh: str


@lru_cache(maxsize=64)
def _package_year(year: int) -> _PackageYear:
    """The package's data for ``year``, built once per process (it never changes at run time).

    The package files a make-up workday under the year of the holiday it pays for (Sun
    2001-12-30 under 2002's New Year), so the neighbouring years are built too and
    everything is filtered to ``year``.
    """
    years = [year - 1, year, year + 1]
    english = holidays.China(years=years, language="en_US")
    chinese = holidays.China(years=years, language="zh_CN")
    return _PackageYear(
        holidays={day: name for day, name in english.items() if day.year == year},
        holidays_zh={day: name for day, name in chinese.items() if day.year == year},
        makeup_workdays=frozenset(day for day in english.weekend_workdays if day.year == year),
    )


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5  # Saturday, Sunday


def _check_date(day: date) -> None:
    if isinstance(day, datetime):  # a datetime is a date, but never equal to one as a dict key
        raise TypeError(f"Expected a date, got the datetime {day!r}.")


def _check_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}.")


def _to_local(value: datetime, tz: tzinfo) -> datetime:
    """``value`` as a naive local wall-clock time in ``tz``."""
    return value.astimezone(tz).replace(tzinfo=None)


def _from_local(value: datetime, tz: tzinfo) -> datetime:
    """A naive local wall-clock time in ``tz`` as an aware UTC datetime.

    A time repeated when the clocks go back is read as its first occurrence (``fold=0``,
    the earlier instant); a time skipped when they go forward is read with the offset in
    force before the change, so 02:30 on a Berlin spring-forward day becomes 03:30 CEST.
    """
    return value.replace(tzinfo=tz).astimezone(UTC)


class WorkingCalendar:
    """Working days and working-time arithmetic on the China calendar with staff overrides.

    Build it with ``working_calendar()``. ``overrides`` is for callers (and tests) that already
    hold the ``CalendarDay`` rows; without it the rows are read from the database on first use,
    in one query, and kept for the life of the instance.
    """

    def __init__(self, overrides: Iterable[CalendarDay] | None = None) -> None:
        self._overrides: dict[date, _Override] | None = None
        if overrides is not None:
            self._overrides = self._index(overrides)

    # -- days -------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is worked: an override if there is one, else a make-up workday, else
        a weekday that is not a public holiday or substituted day off."""
        _check_date(day)
        return self._is_working_day(day)

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a named day off: a public holiday or substituted day off in the
        package, or a ``holiday`` override. An ordinary weekend is not a holiday (but is not a
        working day either); a ``workday`` override cancels a package holiday."""
        _check_date(day)
        override = self._override(day)
        if override is not None:
            return not override.is_workday
        return day in _package_year(day.year).holidays

    def is_makeup_workday(self, day: date) -> bool:
        """Whether ``day`` is a Saturday or Sunday that is worked (调休 or a ``workday`` override)."""
        _check_date(day)
        return _is_weekend(day) and self._is_working_day(day)

    def holiday_name(self, day: date, *, zh: bool = False) -> str | None:
        """The name of the holiday on ``day`` (``zh``: in Chinese), or ``None`` if it is no holiday.

        An override's ``name_zh`` falls back to its ``name`` when blank.
        """
        _check_date(day)
        override = self._override(day)
        if override is not None:
            if override.is_workday:
                return None
            return (override.name_zh or override.name) if zh else override.name
        package = _package_year(day.year)
        return (package.holidays_zh if zh else package.holidays).get(day)

    def next_working_day(self, day: date, *, inclusive: bool = False) -> date:
        """The first working day after ``day`` (``inclusive``: on or after ``day``)."""
        _check_date(day)
        candidate = day if inclusive else day + _ONE_DAY
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self._is_working_day(candidate):
                return candidate
            candidate += _ONE_DAY
        raise ValueError(f"No working day within {_MAX_DAYS_OFF_IN_A_ROW} days after {day}.")

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in the half-open range ``[start, end)``.

        As ``numpy.busday_count``: ``end`` itself is not counted, and the count is negative
        when ``end`` is before ``start``. ``working_days_between(d, d) == 0``.
        """
        _check_date(start)
        _check_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            count += self._is_working_day(day)
            day += _ONE_DAY
        return count

    # -- working time -----------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int, *, tz: tzinfo = SHANGHAI) -> datetime:
        """The earliest instant at which ``days`` whole working days (24 h each) have passed.

        - Start on a working day: the same local time of day on the ``days``-th working day
          after it (Fri 10:00 + 1 = Mon 10:00 over an ordinary weekend).
        - Start on a non-working day: the clock starts at 00:00 of the next working day and the
          result is the end of the ``days``-th working day counted from that one, returned as
          00:00 local of the calendar day after it (Sat 15:00 + 1 = Tue 00:00, i.e. end of
          Monday; Sat + 5 = the next Saturday 00:00, i.e. end of Friday).
        - Start at 00:00 of a working day likewise ends at 24:00 of the last day counted
          (Mon 00:00 + 1 = Tue 00:00; Fri 00:00 + 1 = Sat 00:00).
        - ``days == 0`` returns ``start`` (in UTC), whatever day it is.

        For "by the end of the same working day" use the start's local midnight plus 1 day.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}.")
        return self.add_working_seconds(start, days * DAY_SECONDS, tz=tz)

    def add_working_hours(
        self,
        start: datetime,
        hours: float,
        *,
        tz: tzinfo = SHANGHAI,
        day_start: time = time(9),
        day_end: time = time(18),
    ) -> datetime:
        """The earliest instant at which ``hours`` of business hours have passed.

        Business hours are ``[day_start, day_end)`` local on working days. A start before
        ``day_start`` counts from ``day_start``; a start after ``day_end`` or on a non-working
        day counts from ``day_start`` of the next working day. A budget that runs out exactly
        at ``day_end`` returns ``day_end`` of that day (Fri 14:00 + 4 h = Fri 18:00).
        """
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}.")
        return self.add_working_seconds(start, hours * 3600, tz=tz, day_start=day_start, day_end=day_end)

    def add_working_seconds(
        self,
        start: datetime,
        seconds: float,
        *,
        tz: tzinfo = SHANGHAI,
        day_start: time = time(0),
        day_end: time | None = None,
    ) -> datetime:
        """The earliest instant at which ``seconds`` of working time have passed since ``start``.

        Working time is ``[day_start, day_end)`` local on working days; ``day_end=None`` means
        midnight at the end of the day, so the defaults count whole working days (as
        ``add_working_days``) and ``day_start=time(9), day_end=time(18)`` counts business hours
        (as ``add_working_hours``). The inverse of ``working_seconds_between`` with the same
        window.
        """
        _check_aware(start, "start")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}.")
        window = self._window(day_start, day_end)
        cursor = _to_local(start, tz)
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return start.astimezone(UTC)
        day = cursor.date()
        days_off = 0
        while True:
            if self._is_working_day(day):
                days_off = 0
                opens, closes = window(day)
                begin = max(opens, cursor)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return _from_local(begin + remaining, tz)
                    remaining -= available
            else:
                days_off += 1
                if days_off > _MAX_DAYS_OFF_IN_A_ROW:
                    raise ValueError(f"No working day within {_MAX_DAYS_OFF_IN_A_ROW} days of {day}.")
            day += _ONE_DAY

    def working_seconds_between(
        self,
        start: datetime,
        end: datetime,
        *,
        tz: tzinfo = SHANGHAI,
        day_start: time = time(0),
        day_end: time | None = None,
    ) -> float:
        """The working time between ``start`` and ``end``, in seconds of local wall-clock time.

        Working time is ``[day_start, day_end)`` on working days, as for ``add_working_seconds``
        (defaults: whole working days; ``time(9)``, ``time(18)``: business hours). Negative when
        ``end`` is before ``start``. Use it to stop an SLA clock and keep the remaining budget.
        """
        _check_aware(start, "start")
        _check_aware(end, "end")
        if end < start:
            return -self.working_seconds_between(end, start, tz=tz, day_start=day_start, day_end=day_end)
        window = self._window(day_start, day_end)
        begin_local, end_local = _to_local(start, tz), _to_local(end, tz)
        total = timedelta()
        day = begin_local.date()
        while day <= end_local.date():
            if self._is_working_day(day):
                opens, closes = window(day)
                overlap = min(closes, end_local) - max(opens, begin_local)
                if overlap > timedelta():
                    total += overlap
            day += _ONE_DAY
        return total.total_seconds()

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _window(day_start: time, day_end: time | None) -> Callable[[date], tuple[datetime, datetime]]:
        """The naive local ``(opens, closes)`` of working time on a given day."""
        if day_start.tzinfo is not None or (day_end is not None and day_end.tzinfo is not None):
            raise ValueError("day_start and day_end are local wall-clock times; pass naive times.")
        if day_end is not None and day_end <= day_start:
            raise ValueError(f"day_end ({day_end}) must be after day_start ({day_start}).")

        def window(day: date) -> tuple[datetime, datetime]:
            opens = datetime.combine(day, day_start)
            closes = (
                datetime.combine(day, day_end)
                if day_end is not None
                else datetime.combine(day + _ONE_DAY, time())
            )
            return opens, closes

        return window

    def _is_working_day(self, day: date) -> bool:
        override = self._override(day)
        if override is not None:
            return override.is_workday
        package = _package_year(day.year)
        if _is_weekend(day):
            return day in package.makeup_workdays
        return day not in package.holidays

    def _override(self, day: date) -> _Override | None:
        if self._overrides is None:
            self._overrides = self._index(CalendarDay.objects.all())
        return self._overrides.get(day)

    @staticmethod
    def _index(rows: Iterable[CalendarDay]) -> dict[date, _Override]:
        # The table holds a few rows per year, so all of it is read at once rather than
        # a query per year range: one query covers any span an SLA report may need.
        return {
            row.date: _Override(
                is_workday=row.kind == CalendarDayKind.WORKDAY, name=row.name, name_zh=row.name_zh
            )
            for row in rows
        }


def working_calendar() -> WorkingCalendar:
    """A new calendar reading the current overrides (lazily, in one query on first use)."""
    return WorkingCalendar()
